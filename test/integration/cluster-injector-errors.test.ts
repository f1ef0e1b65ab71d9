// When the cluster's injector misbehaves, mesh kube-inject says so in one line naming the injector and the
// problem, and writes nothing: a caBundle that does not match istiod's certificate, an injector that never
// answers, one that answers an HTTP error. An injector that cannot be reached at all (nothing listens) is the
// one case with a fallback, as istioctl has: the revision's ConfigMaps. Each case is a revision of its own
// (a MutatingWebhookConfiguration labelled istio.io/rev=<case> whose selectors match no namespace, so the API
// server never calls it), next to the live istiod of the local cluster.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubeRequest, type KubeObject } from '../../src/kube';
import { INJECT_DIR } from '../inject/cases';
import { runCli } from '../support/run-cli';
import { istioKubeConfig, istioKubeconfigPath, istiodInstances } from './setup/cluster';
import { idleInjectorConfig } from './webhook-support';

const work = mkdtempSync(path.join(tmpdir(), 'mesh-injector-errors-'));
const hello = path.join(INJECT_DIR, 'hello.yaml');
const created: { path: string }[] = [];
let silent: Server;
let silentPort = 0;

async function injectorRevision(revision: string, clientConfig: Record<string, unknown>): Promise<void> {
  const body = idleInjectorConfig(`mesh-test-injector-${revision}`, revision, clientConfig);
  await kubeRequest(istioKubeConfig(), { method: 'POST', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', body });
  created.push({ path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${body.metadata.name}` });
}

/** Copies of the default revision's ConfigMaps under a revision's names (istio-sidecar-injector-<rev>, istio-<rev>). */
async function configMapsFor(revision: string): Promise<void> {
  for (const name of ['istio-sidecar-injector', 'istio']) {
    const source = await kubeRequest<KubeObject & { data?: Record<string, string> }>(istioKubeConfig(), { method: 'GET', path: `/api/v1/namespaces/istio-system/configmaps/${name}` });
    const copy = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-${revision}`, namespace: 'istio-system' }, data: source.data };
    await kubeRequest(istioKubeConfig(), { method: 'POST', path: '/api/v1/namespaces/istio-system/configmaps', body: copy });
    created.push({ path: `/api/v1/namespaces/istio-system/configmaps/${name}-${revision}` });
  }
}

function kubeInject(args: string[]) {
  return runCli(['kube-inject', '-f', hello, ...args], { env: { PATH: process.env.PATH, HOME: work, KUBECONFIG: istioKubeconfigPath() }, cwd: work });
}

beforeAll(async () => {
  // Accepts connections and never says a word: a TLS handshake that never completes.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
  const istiod = istiodInstances().find((i) => i.revision === 'default')!;
  const clusterCa = Buffer.from(readFileSync(path.join(path.dirname(istioKubeconfigPath()), 'pki', 'ca.crt'))).toString('base64');
  await injectorRevision('badca', { url: istiod.injectUrl, caBundle: clusterCa });
  await injectorRevision('silent', { url: `https://127.0.0.1:${silentPort}/inject` });
  await injectorRevision('notfound', { url: istiod.injectUrl.replace(/\/inject.*$/, '/no-such-path'), caBundle: await istiodCaBundle() });
  await injectorRevision('gone', { url: 'https://127.0.0.1:1/inject' });
  await configMapsFor('gone');
});

afterAll(async () => {
  silent?.close();
  await Promise.all(created.map((c) => kubeRequest(istioKubeConfig(), { method: 'DELETE', path: c.path }).catch(() => undefined)));
});

async function istiodCaBundle(): Promise<string> {
  const config = await kubeRequest<{ webhooks: { clientConfig: { caBundle?: string } }[] }>(istioKubeConfig(), {
    method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector',
  });
  return config.webhooks[0]!.clientConfig.caBundle!;
}

describe('mesh kube-inject when the cluster\'s injector misbehaves', () => {
  it('refuses a caBundle that does not match the injector\'s certificate', async () => {
    const r = await kubeInject(['--revision', 'badca', '-o', path.join(work, 'badca.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mesh kube-inject: the injector mesh-test-injector-badca\/object\.sidecar-injector\.istio\.io \(https:\/\/127\.0\.0\.1:\d+\/inject\): its TLS certificate does not match the webhook's caBundle \([A-Z_]+\)\n$/);
    expect(existsSync(path.join(work, 'badca.yaml'))).toBe(false);
  });

  it('uses the configuration --webhookConfig names instead of the revision label', async () => {
    const r = await kubeInject(['--webhookConfig', 'mesh-test-injector-badca']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mesh kube-inject: the injector mesh-test-injector-badca\/object\.sidecar-injector\.istio\.io .*caBundle/);
  });

  it('gives up on an injector that does not answer, after 5 s, naming it', async () => {
    const r = await kubeInject(['--revision', 'silent']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`mesh kube-inject: the injector mesh-test-injector-silent/object.sidecar-injector.istio.io (https://127.0.0.1:${silentPort}/inject) did not answer within 5 s\n`);
  });

  it('reports an HTTP error from the injector', async () => {
    const r = await kubeInject(['--revision', 'notfound']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mesh kube-inject: the injector mesh-test-injector-notfound\/object\.sidecar-injector\.istio\.io \(https:\/\/127\.0\.0\.1:\d+\/no-such-path\) answered HTTP 404.*\n$/);
  });

  it('falls back to the revision\'s ConfigMaps when nothing listens at the injector, and says so', async () => {
    const r = await kubeInject(['--revision', 'gone']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('istio-proxy');
    expect(r.stdout).toContain('image: docker.io/istio/proxyv2:1.31.0');
    expect(r.stderr).toMatch(
      /^mesh kube-inject: injected by the cluster's injector ConfigMaps istio-system\/istio-sidecar-injector-gone and istio-system\/istio-gone \(revision gone\), proxy docker\.io\/istio\/proxyv2:1\.31\.0 \(the injector mesh-test-injector-gone\/object\.sidecar-injector\.istio\.io \(https:\/\/127\.0\.0\.1:1\/inject\) cannot be reached \(ECONNREFUSED\); rendered from the ConfigMaps instead\)\n$/,
    );
  });

  it('uses mesh\'s built-in template for a revision the cluster has no Istio for, and says so', async () => {
    const r = await kubeInject(['--revision', 'nosuchrevision']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^mesh kube-inject: injected by mesh's built-in templates .* — the cluster has no Istio injector for revision nosuchrevision, proxy /);
  });
});
