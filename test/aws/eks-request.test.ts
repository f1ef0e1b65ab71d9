import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eksKubeConfig } from '../../src/aws/eks';
import { TOKEN_PREFIX } from '../../src/aws/eks-token';
import { presignUrl } from '../../src/aws/sigv4';
import { kubeRequest } from '../../src/kube';
import { TEST_CREDENTIALS, TEST_REGION } from './fake-aws';

// A loopback "EKS API server" (TLS with its own CA, as MESH_EKS_CA_DATA delivers it) that authenticates each
// request as EKS does: decode the bearer token, check it is an STS GetCallerIdentity URL that signs the
// cluster header, and verify its signature (standing in for STS). Requests go through src/kube.

const CLUSTER = 'prod-mesh';

function verifyToken(authorization: string | undefined): { ok: boolean; date?: string } {
  if (!authorization?.startsWith(`Bearer ${TOKEN_PREFIX}`)) return { ok: false };
  const url = new URL(Buffer.from(authorization.slice(`Bearer ${TOKEN_PREFIX}`.length), 'base64url').toString('utf8'));
  const q = url.searchParams;
  const date = q.get('X-Amz-Date')!;
  const stamp = date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  const resigned = new URL(
    presignUrl(
      { method: 'GET', url: `https://${url.host}/?Action=GetCallerIdentity&Version=2011-06-15`, headers: { 'x-k8s-aws-id': CLUSTER } },
      { service: 'sts', region: TEST_REGION, credentials: TEST_CREDENTIALS, now: new Date(stamp), expiresInSeconds: Number(q.get('X-Amz-Expires')) },
    ),
  );
  const ok =
    url.protocol === 'https:' &&
    url.host === `sts.${TEST_REGION}.amazonaws.com` &&
    q.get('X-Amz-SignedHeaders') === 'host;x-k8s-aws-id' &&
    q.get('X-Amz-Signature') === resigned.searchParams.get('X-Amz-Signature');
  return { ok, date };
}

describe('EKS access through src/kube', () => {
  let dir: string;
  let server: https.Server;
  let endpoint: string;
  let caData: string;
  const seenDates: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-eks-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=eks-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
    openssl('req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
    writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.crt');
    caData = readFileSync(path.join(dir, 'ca.crt')).toString('base64');
    server = https.createServer({ key: readFileSync(path.join(dir, 'server.key')), cert: readFileSync(path.join(dir, 'server.crt')) }, (req, res) => {
      const { ok, date } = verifyToken(req.headers.authorization);
      if (date) seenDates.push(date);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { kind: 'NamespaceList', items: [] } : { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates every request with a valid token over TLS pinned to the configured CA, renewed as time passes', async () => {
    let now = Date.parse('2026-11-24T19:00:00Z');
    const env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
    };
    const kc = eksKubeConfig({ clusterName: CLUSTER, endpoint, caData, region: TEST_REGION }, { env, clock: () => now });
    const list = () => kubeRequest<{ kind: string }>(kc, { method: 'GET', path: '/api/v1/namespaces' });
    await expect(list()).resolves.toEqual({ kind: 'NamespaceList', items: [] });
    now += 5 * 60_000;
    await list();
    now += 6 * 60_000; // 11 minutes into a long rollout
    await list();
    expect(seenDates).toEqual(['20261124T190000Z', '20261124T190000Z', '20261124T191100Z']);
  });

  it('is refused by a server whose CA is not the configured one', async () => {
    const other = Buffer.from(readFileSync(path.join(dir, 'server.crt'))).toString('base64'); // not a CA
    const kc = eksKubeConfig({ clusterName: CLUSTER, endpoint, caData: other, region: TEST_REGION }, {
      env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
    });
    await expect(kubeRequest(kc, { method: 'GET', path: '/api/v1/namespaces' })).rejects.toThrow(/certificate/);
  });
});
