// The TLS material src/kube uses is the kubeconfig's as it is now, not as it was on the first request: a rotated
// CA (EKS) or a refreshed client certificate (a rewritten file, an exec plugin) takes effect on the next
// connection. Loopback HTTPS servers with their own openssl-made PKI play the API server.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { kubeRequest } from '../../src/kube';

jest.setTimeout(30_000);

let dir: string;
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const file = (name: string) => path.join(dir, name);
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function makeCa(name: string): void {
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
}

function issue(ca: string, name: string, subject: string, extensions: string): void {
  writeFileSync(file(`${name}.cnf`), extensions);
  openssl('req', ...ec, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '1', '-extfile', `${name}.cnf`, '-out', `${name}.crt`);
}

const serving = 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
const client = 'extendedKeyUsage=clientAuth\n';

let server: https.Server;
let endpoint: string;
const connections = new Set<TLSSocket>();

/** Serves `{user}`: the client certificate's CN, as the API server authenticates x509 clients. */
function startServer(servingName: string): Promise<void> {
  server = https.createServer(
    { key: readFileSync(file(`${servingName}.key`)), cert: readFileSync(file(`${servingName}.crt`)), ca: readFileSync(file('client-ca.crt')), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ user: (req.socket as TLSSocket).authorized ? peer.subject.CN : null }));
    },
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

/**
 * Ends every open connection as a restarting API server would, and waits until each is closed on both sides: by
 * then the client's keep-alive pool has dropped it too, so the next request opens a new connection.
 */
async function dropConnections(): Promise<void> {
  const open = [...connections];
  await Promise.all(open.map((socket) => new Promise((resolve) => (socket.once('close', resolve), socket.end()))));
  await new Promise((resolve) => setImmediate(resolve));
}

/** What the API server does when its certificate is rotated: new connections get the new chain. */
async function rotateServing(servingName: string): Promise<void> {
  server.setSecureContext({ key: readFileSync(file(`${servingName}.key`)), cert: readFileSync(file(`${servingName}.crt`)), ca: readFileSync(file('client-ca.crt')) });
  await dropConnections();
}

function kubeconfigFile(name: string, user: string): string {
  writeFileSync(
    file(name),
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${endpoint}", certificate-authority: ${file('cluster-ca.crt')}}}]
users: [{name: u, user: ${user}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
  );
  return file(name);
}

const whoAmI = (kc: KubeConfig) => kubeRequest<{ user: string | null }>(kc, { method: 'GET', path: '/whoami' });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-kube-tls-'));
  makeCa('ca-one');
  makeCa('ca-two');
  makeCa('client-ca');
  issue('ca-one', 'serving-one', '/CN=apiserver', serving);
  issue('ca-two', 'serving-two', '/CN=apiserver', serving);
  issue('client-ca', 'alice', '/CN=alice', client);
  issue('client-ca', 'bob', '/CN=bob', client);
  await startServer('serving-one');
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => rotateServing('serving-one'));

function load(kubeconfig: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

it('trusts a rotated cluster CA on the next connection', async () => {
  writeFileSync(file('cluster-ca.crt'), readFileSync(file('ca-one.crt')));
  const kc = load(kubeconfigFile('rotate-ca.yaml', `{client-certificate: ${file('alice.crt')}, client-key: ${file('alice.key')}}`));
  await expect(whoAmI(kc)).resolves.toEqual({ user: 'alice' });

  writeFileSync(file('cluster-ca.crt'), readFileSync(file('ca-two.crt')));
  await rotateServing('serving-two');
  await expect(whoAmI(kc)).resolves.toEqual({ user: 'alice' });
});

it('presents a refreshed client certificate on the next connection', async () => {
  writeFileSync(file('cluster-ca.crt'), readFileSync(file('ca-one.crt')));
  writeFileSync(file('current.crt'), readFileSync(file('alice.crt')));
  writeFileSync(file('current.key'), readFileSync(file('alice.key')));
  const kc = load(kubeconfigFile('refresh-cert.yaml', `{client-certificate: ${file('current.crt')}, client-key: ${file('current.key')}}`));
  await expect(whoAmI(kc)).resolves.toEqual({ user: 'alice' });

  writeFileSync(file('current.crt'), readFileSync(file('bob.crt')));
  writeFileSync(file('current.key'), readFileSync(file('bob.key')));
  await dropConnections();
  await expect(whoAmI(kc)).resolves.toEqual({ user: 'bob' });
});

it('keeps one connection alive across requests while the material is unchanged', async () => {
  writeFileSync(file('cluster-ca.crt'), readFileSync(file('ca-one.crt')));
  const kc = load(kubeconfigFile('keepalive.yaml', `{client-certificate: ${file('alice.crt')}, client-key: ${file('alice.key')}}`));
  let handshakes = 0;
  const count = () => handshakes++;
  server.on('secureConnection', count);
  try {
    for (let i = 0; i < 5; i++) await whoAmI(kc);
  } finally {
    server.off('secureConnection', count);
  }
  expect(handshakes).toBe(1);
});

it('uses a PKCS#12 (pfx) client credential that an authenticator supplies', async () => {
  writeFileSync(file('cluster-ca.crt'), readFileSync(file('ca-one.crt')));
  openssl('pkcs12', '-export', '-inkey', 'bob.key', '-in', 'bob.crt', '-passout', 'pass:secret', '-out', 'bob.p12');
  const kc = load(kubeconfigFile('pfx.yaml', '{username: pfx-user}'));
  kc.addAuthenticator({
    isAuthProvider: (user: User) => user.username === 'pfx-user',
    applyAuthentication: async (_user: User, opts: https.RequestOptions) => {
      opts.pfx = readFileSync(file('bob.p12'));
      opts.passphrase = 'secret';
    },
  });
  await expect(whoAmI(kc)).resolves.toEqual({ user: 'bob' });
});

it('refuses a kubeconfig with proxy-url in one line, before any request', async () => {
  writeFileSync(file('cluster-ca.crt'), readFileSync(file('ca-one.crt')));
  const kubeconfig = kubeconfigFile('proxy.yaml', `{client-certificate: ${file('alice.crt')}, client-key: ${file('alice.key')}}`);
  writeFileSync(kubeconfig, readFileSync(kubeconfig, 'utf8').replace('server:', 'proxy-url: "http://127.0.0.1:3128", server:'));
  let requests = 0;
  const count = () => requests++;
  server.on('request', count);
  try {
    await expect(whoAmI(load(kubeconfig))).rejects.toThrow(
      'cluster "c" in the kubeconfig sets proxy-url http://127.0.0.1:3128; mesh connects to the API server directly and does not support proxies',
    );
  } finally {
    server.off('request', count);
  }
  expect(requests).toBe(0);
});
