// A real Istio install's injector webhook names a Service, not a url: mesh then reaches it through the API server's
// service proxy (/api/v1/namespaces/<ns>/services/https:<name>:<port>/proxy/<path>), which works from Lambda with
// no port-forward. The local istiod is a process on loopback, and the API server proxies neither to loopback nor to
// an Endpoints address without a Pod behind it, so this suite gives the live istiod what a pod would have: a relay
// on the machine's non-loopback address (plain TCP, TLS stays istiod's own), a Pod whose status carries that
// address, and a Service without selector whose Endpoints point at the Pod — the shape of Istio's own
// `istiod-remote` Service (whose name istiod's certificate covers, so istioctl can verify it). The oracle is
// istioctl, which for a Service without selector calls `https://<--xds-address host>:<service port><path>` with
// TLS verified against the webhook's caBundle: the same istiod, reached without the API server.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { kubeRequest, type KubeObject } from '../../src/kube';
import { resolveInjectionSource } from '../../src/injector/resolve';
import { INJECT_DIR, loadCases, readInject } from '../inject/cases';
import { runCli } from '../support/run-cli';
import { lineDiff, runIstioctl } from '../support/real-istio';
import { istioKubeConfig, istioKubeconfigPath } from './setup/cluster';
import { idleInjectorConfig } from './webhook-support';
import type { JsonObject } from '../../src/json-object';

const NS = 'istio-system';
const REVISION = 'svcproxy';
const SERVICE = 'istiod-remote';
const CONFIG = `mesh-test-injector-${REVISION}`;
const work = mkdtempSync(path.join(tmpdir(), 'mesh-injector-service-'));
const hello = path.join(INJECT_DIR, 'hello.yaml');
const created: string[] = [];
let relay: Server;
const relayed = new Set<Socket>();
let relayPort = 0;
let relayedBytes = 0;
let address = '';

/** The machine's first non-loopback IPv4 address: the API server will not proxy to loopback. */
function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = (addresses ?? []).find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address, and the API server proxies to no loopback endpoint');
}

const kube = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', apiPath: string, body?: unknown, contentType?: string) =>
  kubeRequest<KubeObject & JsonObject>(istioKubeConfig(), { method, path: apiPath, body, ...(contentType ? { contentType } : {}) });

async function create(collection: string, body: KubeObject & Record<string, unknown>): Promise<void> {
  await kube('POST', collection, body);
  created.push(`${collection}/${body.metadata.name}`);
}

const WEBHOOKS = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

beforeAll(async () => {
  address = nonLoopbackAddress();
  // istiod's loopback webhook port and its CA, from the injector configuration istiod itself keeps up to date.
  const live = await kube('GET', `${WEBHOOKS}/istio-sidecar-injector`);
  const { url, caBundle } = live.webhooks[0].clientConfig as { url: string; caBundle: string };
  const istiodPort = Number(new URL(url).port);

  relay = createServer((client) => {
    const upstream = connect(istiodPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      relayed.add(socket);
      socket.on('close', () => relayed.delete(socket));
    }
    client.on('data', (chunk: Buffer) => void (relayedBytes += chunk.length));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, address, resolve));
  relayPort = (relay.address() as { port: number }).port;

  // What the API server checks before proxying to an endpoint: a Pod in the Service's namespace with that IP.
  const pod = `mesh-test-${REVISION}-istiod`;
  await create(`/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: NS },
    // No scheduler binds it, so no kubelet (kwok) rewrites the status set below.
    spec: { schedulerName: 'mesh-test-unscheduled', containers: [{ name: 'istiod', image: 'istiod' }] },
  });
  await kube('PATCH', `/api/v1/namespaces/${NS}/pods/${pod}/status`, { status: { podIP: address, podIPs: [{ ip: address }] } }, 'application/merge-patch+json');
  const port = { name: 'https-webhook', port: relayPort };
  await create(`/api/v1/namespaces/${NS}/services`, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: SERVICE, namespace: NS }, spec: { ports: [{ ...port, targetPort: relayPort }] },
  });
  // v1 Endpoints, not only an EndpointSlice: the 1.34 API server's service proxy reads Endpoints.
  await create(`/api/v1/namespaces/${NS}/endpoints`, {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: SERVICE, namespace: NS },
    subsets: [{ addresses: [{ ip: address, targetRef: { kind: 'Pod', name: pod, namespace: NS } }], ports: [port] }],
  });
  await create(WEBHOOKS, idleInjectorConfig(CONFIG, REVISION, { service: { name: SERVICE, namespace: NS, port: relayPort, path: '/inject' }, caBundle }));
  // istioctl reads the revision's mesh config (istio-<rev>) even when the webhook injects.
  const mesh = await kube('GET', `/api/v1/namespaces/${NS}/configmaps/istio`);
  await create(`/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `istio-${REVISION}`, namespace: NS }, data: mesh.data });
});

afterAll(async () => {
  relay?.close();
  for (const socket of relayed) socket.destroy(); // the API server keeps its proxy connections alive
  for (const object of created.reverse()) await kube('DELETE', object).catch(() => undefined);
});

const env = () => ({ PATH: process.env.PATH, HOME: work, KUBECONFIG: istioKubeconfigPath() });
const istioctlInject = (file: string) =>
  runIstioctl(['kube-inject', '-f', file, '--revision', REVISION, '--xds-address', `${address}:15012`], { KUBECONFIG: istioKubeconfigPath() });

describe('the injector webhook as a Service, through the API server\'s service proxy', () => {
  it('injects byte-identically to istioctl, and the note names the Service and its path', async () => {
    const before = relayedBytes;
    const ours = await runCli(['kube-inject', '-f', hello, '--revision', REVISION], { env: env(), cwd: work });
    expect(relayedBytes).toBeGreaterThan(before); // the API server really called istiod through the endpoint
    const theirs = await istioctlInject(hello);
    expect(theirs.code).toBe(0);
    expect(ours.code).toBe(0);
    expect(ours.stdout).toContain('image: docker.io/istio/proxyv2:1.31.0');
    expect(lineDiff(theirs.stdout, ours.stdout) || 'identical').toBe('identical');
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stderr).toBe(
      `mesh kube-inject: injected by the cluster's injector ${CONFIG}/object.sidecar-injector.istio.io (revision ${REVISION}, service ${NS}/${SERVICE}:${relayPort}/inject), proxy docker.io/istio/proxyv2:1.31.0\n`,
    );
  });

  it('finds the same webhook by --webhookConfig', async () => {
    const byName = await runCli(['kube-inject', '-f', hello, '--webhookConfig', CONFIG], { env: env(), cwd: work });
    const byRevision = await runCli(['kube-inject', '-f', hello, '--revision', REVISION], { env: env(), cwd: work });
    expect(byName.code).toBe(0);
    expect(byName.stdout).toBe(byRevision.stdout);
    expect(byName.stderr).toContain(`(revision default, service ${NS}/${SERVICE}:${relayPort}/inject)`);
  });

  it('does not check the caBundle: the API server, not mesh, makes the TLS connection, and it verifies no backend', async () => {
    const clusterCa = readFileSync(path.join(path.dirname(istioKubeconfigPath()), 'pki', 'ca.crt')).toString('base64');
    await create(WEBHOOKS, idleInjectorConfig(`${CONFIG}-badca`, `${REVISION}-badca`, { service: { name: SERVICE, namespace: NS, port: relayPort, path: '/inject' }, caBundle: clusterCa }));
    const ours = await runCli(['kube-inject', '-f', hello, '--revision', `${REVISION}-badca`], { env: env(), cwd: work });
    expect(ours.code).toBe(0);
    expect(ours.stdout).toContain('image: docker.io/istio/proxyv2:1.31.0');
  });

  // Every sixth golden input: what the service path adds is the transport, and the payloads through it vary enough
  // in these; cluster-injector.test.ts puts every golden input through the same istiod by url (CI's time budget).
  describe('a sample of the golden inputs, as istioctl gives them', () => {
    const inputs = [...new Set(loadCases().map((c) => c.input))].sort().filter((_, index) => index % 6 === 0);
    let identical = 0;
    it.each(inputs)('%s', async (input) => {
      const theirs = await istioctlInject(path.join(INJECT_DIR, input));
      let ours: string | undefined;
      try {
        const source = await resolveInjectionSource({ kc: istioKubeConfig(), revision: REVISION });
        ours = (await source.inject(readInject(input), input)).output;
      } catch {
        ours = undefined;
      }
      // Both answer, byte-identically, or both refuse.
      expect({ istioctl: theirs.code === 0 ? 'answered' : 'refused', mesh: ours === undefined ? 'refused' : 'answered' })
        .toEqual(theirs.code === 0 ? { istioctl: 'answered', mesh: 'answered' } : { istioctl: 'refused', mesh: 'refused' });
      if (ours === undefined) return;
      expect(lineDiff(theirs.stdout, ours) || 'identical').toBe('identical');
      expect(ours).toBe(theirs.stdout);
      identical++;
    });
    it('injected most of them (istioctl and mesh both refuse a few golden inputs)', () => {
      expect(identical).toBeGreaterThan(inputs.length / 2);
    });
  });
});

describe('a Service injector that cannot be reached', () => {
  beforeAll(async () => {
    // The chart's own clientConfig: the Service istiod, whose selector matches no pod here (istiod is a process),
    // as in a cluster whose istiod pods are all down.
    await create(WEBHOOKS, idleInjectorConfig('mesh-test-injector-svc-down', 'svc-down', { service: { name: 'istiod', namespace: NS, port: 443, path: '/inject' } }));
    // A Service without selector and without Endpoints: the API server answers 404 "services … not found".
    await create(`/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'mesh-test-no-endpoints', namespace: NS }, spec: { ports: [{ name: 'https', port: 443 }] },
    });
    await create(WEBHOOKS, idleInjectorConfig('mesh-test-injector-svc-empty', 'svc-empty', { service: { name: 'mesh-test-no-endpoints', namespace: NS, port: 443, path: '/inject' } }));
    await create(WEBHOOKS, idleInjectorConfig('mesh-test-injector-svc-missing', 'svc-missing', { service: { name: 'mesh-test-no-such-service', namespace: NS, port: 443, path: '/inject' } }));
    await create(WEBHOOKS, idleInjectorConfig('mesh-test-injector-svc-404', 'svc-404', { service: { name: SERVICE, namespace: NS, port: relayPort, path: '/no-such-path' } }));
  });

  it('says so in one line and writes nothing when the Service has no endpoints and there is no ConfigMap', async () => {
    const out = path.join(work, 'down.yaml');
    const r = await runCli(['kube-inject', '-f', hello, '--revision', 'svc-down', '-o', out], { env: env(), cwd: work });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `mesh kube-inject: the injector mesh-test-injector-svc-down/object.sidecar-injector.istio.io (service ${NS}/istiod:443/inject) cannot be reached through the API server (no endpoints available for service "istiod"), and there is no injector ConfigMap to render instead\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('names a Service without Endpoints, and one that does not exist, instead of calling it the injector\'s 404', async () => {
    const empty = await runCli(['kube-inject', '-f', hello, '--revision', 'svc-empty'], { env: env(), cwd: work });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe(
      `mesh kube-inject: the injector mesh-test-injector-svc-empty/object.sidecar-injector.istio.io (service ${NS}/mesh-test-no-endpoints:443/inject) cannot be reached through the API server (the Service ${NS}/mesh-test-no-endpoints has no Endpoints), and there is no injector ConfigMap to render instead\n`,
    );
    const missing = await runCli(['kube-inject', '-f', hello, '--revision', 'svc-missing'], { env: env(), cwd: work });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `mesh kube-inject: the injector mesh-test-injector-svc-missing/object.sidecar-injector.istio.io (service ${NS}/mesh-test-no-such-service:443/inject) cannot be reached through the API server (there is no Service ${NS}/mesh-test-no-such-service), and there is no injector ConfigMap to render instead\n`,
    );
  });

  it('falls back to the revision\'s ConfigMaps, and says so', async () => {
    for (const name of ['istio-sidecar-injector', 'istio']) {
      const source = await kube('GET', `/api/v1/namespaces/${NS}/configmaps/${name}`);
      await create(`/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-svc-down`, namespace: NS }, data: source.data });
    }
    const r = await runCli(['kube-inject', '-f', hello, '--revision', 'svc-down'], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image: docker.io/istio/proxyv2:1.31.0');
    expect(r.stderr).toBe(
      `mesh kube-inject: injected by the cluster's injector ConfigMaps ${NS}/istio-sidecar-injector-svc-down and ${NS}/istio-svc-down (revision svc-down), proxy docker.io/istio/proxyv2:1.31.0 (the injector mesh-test-injector-svc-down/object.sidecar-injector.istio.io (service ${NS}/istiod:443/inject) cannot be reached through the API server (no endpoints available for service "istiod"); rendered from the ConfigMaps instead)\n`,
    );
  });

  it('passes on what istiod answers to a path it does not serve', async () => {
    const r = await runCli(['kube-inject', '-f', hello, '--revision', 'svc-404'], { env: env(), cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `mesh kube-inject: the injector mesh-test-injector-svc-404/object.sidecar-injector.istio.io (service ${NS}/${SERVICE}:${relayPort}/no-such-path) answered HTTP 404: 404 page not found\n`,
    );
  });
});
