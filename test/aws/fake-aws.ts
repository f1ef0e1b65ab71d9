import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signRequest, type AwsCredentials } from '../../src/aws/sigv4';

/** A loopback stand-in for AWS JSON-protocol services that checks each request's SigV4 signature as AWS would. */

export const TEST_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIDTESTTEST',
  secretAccessKey: 'test-secret-key/with+chars',
  sessionToken: 'test-session-token',
};
export const TEST_REGION = 'eu-west-1';

export interface RecordedCall {
  target: string;
  contentType: string;
  body: Record<string, unknown>;
  signatureValid: boolean;
  service: string;
}

export type FakeReply = { status: number; json: unknown };

export interface FakeAws {
  url: string;
  calls: RecordedCall[];
  /** Replies by X-Amz-Target; a function may answer differently per call. */
  reply: Map<string, (body: Record<string, unknown>) => FakeReply>;
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

function parseAmzDate(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) return new Date(NaN);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

function verify(req: http.IncomingMessage, url: string, body: string): { valid: boolean; service: string } {
  const authorization = String(req.headers.authorization ?? '');
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+),/.exec(authorization);
  if (!m) return { valid: false, service: '' };
  const [, region, service, signed] = m;
  const headers: Record<string, string> = {};
  for (const name of signed!.split(';')) {
    if (name !== 'x-amz-date' && name !== 'x-amz-security-token') headers[name] = String(req.headers[name] ?? '');
  }
  const expected = signRequest(
    { method: req.method!, url, headers, body },
    { service: service!, region: region!, credentials: TEST_CREDENTIALS, now: parseAmzDate(String(req.headers['x-amz-date'])) },
  );
  return { valid: expected.authorization === authorization && region === TEST_REGION, service: service! };
}

export async function startFakeAws(): Promise<FakeAws> {
  const calls: RecordedCall[] = [];
  const reply = new Map<string, (body: Record<string, unknown>) => FakeReply>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const { valid, service } = verify(req, `http://${req.headers.host}${req.url}`, text);
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      calls.push({ target, contentType: String(req.headers['content-type']), body, signatureValid: valid, service });
      const answer = valid
        ? (reply.get(target)?.(body) ?? { status: 400, json: { __type: 'UnknownOperationException' } })
        : { status: 403, json: { __type: 'InvalidSignatureException', message: 'signature mismatch' } };
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    calls,
    reply,
    env: (extra = {}) => ({
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
      AWS_REGION: TEST_REGION,
      MESH_AWS_ENDPOINT_URL: url,
      ...extra,
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
