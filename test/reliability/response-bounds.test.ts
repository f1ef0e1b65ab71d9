// Answers are read with a bound: an API server, an AWS endpoint or Slack that sends more than the bound (with or
// without a Content-Length) gets the call refused with an error naming the limit, after reading no more than
// the bound, and the call is not retried. A loopback HTTP server plays all three.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { AWS_RESPONSE_LIMIT_BYTES, KUBE_RESPONSE_LIMIT_BYTES, SLACK_RESPONSE_LIMIT_BYTES } from '../../src/bounded-body';
import { awsJsonCall } from '../../src/aws/json-protocol';
import { kubeRequest } from '../../src/kube';
import { slackApi } from '../../src/slack/webapi';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
let server: Server;
let base: string;
let requests = 0;
let sent = 0;
/** How the next answers are sent: a valid JSON document of `bytes`, with or without Content-Length. */
let answer: { bytes: number; declared: boolean } = { bytes: 10, declared: true };

/** A JSON object padded to `bytes`, written in 64 KiB chunks as long as the client reads. */
function sendPadded(res: ServerResponse, bytes: number, declared: boolean): void {
  const head = '{"ok":true,"pad":"';
  const tail = '"}';
  const padding = Math.max(0, bytes - head.length - tail.length);
  res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(head.length + padding + tail.length) } : {}) });
  res.write(head);
  let left = padding;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const pump = (): void => {
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      sent += part.length;
      if (!res.write(part)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(tail);
  };
  res.on('close', () => (left = 0));
  pump();
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    req.resume();
    req.on('end', () => sendPadded(res, answer.bytes, answer.declared));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = 0;
  sent = 0;
});

function kube(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'loopback', server: base, skipTLSVerify: true }, { name: 'nobody' });
  return kc;
}

const aws = () => ({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, region: 'eu-west-1', endpointOverride: `${base}/` });
const ssmCall = { service: 'ssm', target: 'AmazonSSM.GetParameter', jsonVersion: '1.1' as const, body: { Name: '/x' } };

describe.each([
  ['with a Content-Length', true],
  ['streamed without a Content-Length', false],
])('an answer over the bound, %s', (_, declared) => {
  it('from the API server is refused naming the limit', async () => {
    answer = { bytes: KUBE_RESPONSE_LIMIT_BYTES + MiB, declared };
    await expect(kubeRequest(kube(), { method: 'GET', path: '/api/v1/pods' })).rejects.toThrow(
      /^API server 127\.0\.0\.1:\d+ \(GET \/api\/v1\/pods\): the response body is over the 64 MiB limit; refused$/,
    );
    expect(sent).toBeLessThan(KUBE_RESPONSE_LIMIT_BYTES + MiB);
  });

  it('from AWS is refused naming the limit, and not retried', async () => {
    answer = { bytes: AWS_RESPONSE_LIMIT_BYTES + MiB, declared };
    await expect(awsJsonCall(aws(), ssmCall)).rejects.toThrow(/^127\.0\.0\.1:\d+: the response body is over the 4 MiB limit; refused$/);
    expect(requests).toBe(1);
  });

  it('from the Slack Web API is refused naming the limit, and not retried', async () => {
    answer = { bytes: SLACK_RESPONSE_LIMIT_BYTES + MiB, declared };
    const api = slackApi({ token: 'xoxb-test', baseUrl: `${base}/api/`, sleep: async () => undefined });
    await expect(api.call('chat.postMessage', { channel: 'C1', text: 'x' })).rejects.toThrow(
      /^Slack chat\.postMessage failed: response_too_large \(127\.0\.0\.1:\d+: the response body is over the 4 MiB limit; refused\)$/,
    );
    expect(requests).toBe(1);
  });
});

it('answers within the bound are read whole by all three', async () => {
  answer = { bytes: 3 * MiB, declared: false };
  await expect(kubeRequest(kube(), { method: 'GET', path: '/api/v1/pods' })).resolves.toMatchObject({ ok: true });
  await expect(awsJsonCall(aws(), ssmCall)).resolves.toMatchObject({ ok: true });
  const api = slackApi({ token: 'xoxb-test', baseUrl: `${base}/api/` });
  await expect(api.call('chat.postMessage', { channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
});
