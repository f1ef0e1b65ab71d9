import { createHash, createHmac } from 'node:crypto';

/** AWS Signature Version 4 with node:crypto only: the Lambda bundles carry no AWS SDK. */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigningScope {
  service: string;
  region: string;
  credentials: AwsCredentials;
  /** Signing time; tests pin it to reproduce published signatures. */
  now?: Date;
}

export interface SignableRequest {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 demands: everything but unreserved characters, also `!'()*`. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20150830T123600Z` */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function canonicalUri(url: URL): string {
  return url.pathname
    .split('/')
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join('/');
}

function canonicalQuery(params: [string, string][]): string {
  return params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function normalizeHeaders(headers: Record<string, string>): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    result.set(name.toLowerCase(), String(value).trim().replace(/\s+/g, ' '));
  }
  return result;
}

interface Signature {
  signature: string;
  credentialScope: string;
  signedHeaders: string;
}

function computeSignature(
  method: string,
  url: URL,
  query: [string, string][],
  headers: Map<string, string>,
  payloadHash: string,
  scope: SigningScope,
  date: Date,
): Signature {
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    method.toUpperCase(),
    canonicalUri(url),
    canonicalQuery(query),
    names.map((n) => `${n}:${headers.get(n)}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, stamp, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${scope.credentials.secretAccessKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, scope.region), scope.service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return { signature, credentialScope, signedHeaders };
}

function withHost(url: URL, headers: Record<string, string> | undefined): Map<string, string> {
  const normalized = normalizeHeaders(headers ?? {});
  if (!normalized.has('host')) normalized.set('host', url.host);
  return normalized;
}

/**
 * Signs with an `Authorization` header. Returns every header the request must carry (the caller's, plus
 * host, x-amz-date, x-amz-security-token and authorization).
 */
export function signRequest(request: SignableRequest, scope: SigningScope): Record<string, string> {
  const url = new URL(request.url);
  const date = scope.now ?? new Date();
  const headers = withHost(url, request.headers);
  headers.set('x-amz-date', amzDate(date));
  if (scope.credentials.sessionToken) headers.set('x-amz-security-token', scope.credentials.sessionToken);
  const { signature, credentialScope, signedHeaders } = computeSignature(
    request.method,
    url,
    [...url.searchParams],
    headers,
    sha256Hex(request.body ?? ''),
    scope,
    date,
  );
  headers.set(
    'authorization',
    `${ALGORITHM} Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  );
  return Object.fromEntries(headers);
}

/**
 * Signs in the query string (a presigned URL): the signature covers `request.headers`, which the holder of
 * the URL must send unchanged (EKS tokens sign `x-k8s-aws-id` this way).
 */
export function presignUrl(request: SignableRequest, scope: SigningScope & { expiresInSeconds: number }): string {
  const url = new URL(request.url);
  const date = scope.now ?? new Date();
  const headers = withHost(url, request.headers);
  const names = [...headers.keys()].sort();
  const day = amzDate(date).slice(0, 8);
  const auth: [string, string][] = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${scope.credentials.accessKeyId}/${day}/${scope.region}/${scope.service}/aws4_request`],
    ['X-Amz-Date', amzDate(date)],
    ['X-Amz-Expires', String(scope.expiresInSeconds)],
    ['X-Amz-SignedHeaders', names.join(';')],
  ];
  if (scope.credentials.sessionToken) auth.push(['X-Amz-Security-Token', scope.credentials.sessionToken]);
  const query: [string, string][] = [...url.searchParams, ...auth];
  const { signature } = computeSignature(request.method, url, query, headers, sha256Hex(request.body ?? ''), scope, date);
  query.push(['X-Amz-Signature', signature]);
  url.search = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  return url.toString();
}
