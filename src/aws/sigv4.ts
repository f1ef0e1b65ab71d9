import aws4 from 'aws4';

/**
 * AWS Signature Version 4 through `aws4` (a small, dependency-free signer): the Lambda bundles carry no AWS SDK.
 * This module keeps mesh's interface: lower-case header names in and out, an explicit signing time, and
 * presigned URLs whose signature covers extra headers (EKS tokens sign `x-k8s-aws-id`).
 */

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

/** `20150830T123600Z` */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The caller's headers with lower-case names, plus `host` from the URL unless the caller gave one. */
function lowerCaseHeaders(url: URL, headers: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  result.host ??= url.host;
  return result;
}

/** aws4's request, with the option its README documents but its type definitions lack. */
type Aws4Request = aws4.Request & { extraHeadersToIgnore?: Record<string, boolean> };

function aws4Request(request: SignableRequest, scope: SigningScope, headers: Record<string, string>, path: string): Aws4Request {
  const body = request.body === undefined || typeof request.body === 'string' ? request.body : Buffer.from(request.body);
  return { method: request.method.toUpperCase(), path, headers, body, service: scope.service, region: scope.region };
}

/**
 * Signs with an `Authorization` header. Returns every header the request must carry (the caller's, plus
 * host, x-amz-date, x-amz-security-token, authorization, and content-type when there is a body and the caller
 * gave none), all with lower-case names.
 */
export function signRequest(request: SignableRequest, scope: SigningScope): Record<string, string> {
  const url = new URL(request.url);
  const headers = lowerCaseHeaders(url, request.headers);
  headers['x-amz-date'] = amzDate(scope.now ?? new Date());
  // aws4 adds and signs a content-length when the caller gave none; fetch sets that header itself, and the
  // undici that Bolt bundles refuses one from the caller, so it is neither signed nor returned.
  const ownLength = 'content-length' in headers;
  const signed = aws4.sign(
    { ...aws4Request(request, scope, headers, url.pathname + url.search), ...(ownLength ? {} : { extraHeadersToIgnore: { 'content-length': true } }) },
    scope.credentials,
  );
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) result[name.toLowerCase()] = String(value);
  if (!ownLength) delete result['content-length'];
  return result;
}

/**
 * Signs in the query string (a presigned URL): the signature covers `request.headers`, which the holder of
 * the URL must send unchanged (EKS tokens sign `x-k8s-aws-id` this way).
 */
export function presignUrl(request: SignableRequest, scope: SigningScope & { expiresInSeconds: number }): string {
  const url = new URL(request.url);
  const query = new URLSearchParams(url.search);
  // aws4 takes the time and the expiry of a presigned request from these two parameters.
  query.set('X-Amz-Date', amzDate(scope.now ?? new Date()));
  query.set('X-Amz-Expires', String(scope.expiresInSeconds));
  const signed = aws4.sign(
    { ...aws4Request(request, scope, lowerCaseHeaders(url, request.headers), `${url.pathname}?${query}`), signQuery: true },
    scope.credentials,
  );
  return `${url.protocol}//${url.host}${signed.path}`;
}
