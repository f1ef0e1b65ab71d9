// `mesh autoinject` through the real admission path: mesh's injector webhook (certificate from the cluster's
// CSR signer) on loopback, registered by URL and scoped to this file's namespaces.
import { parse, stringify } from 'yaml';
import { createTestNamespace, deleteTestNamespace, kubeConfig, waitUntil } from './setup/cluster';
import { kubeRequest, type KubeList, type KubeObject } from '../../src/kube';
import { injectManifests, injectionSettings } from '../../src/inject';
import { disable, enable, restart, status } from '../../src/autoinject';
import { installWebhook } from '../../src/webhook/install';
import type { RunningWebhook } from '../../src/webhook/server';
import {
  SCOPE_LABEL,
  deleteWebhookConfig,
  freePort,
  labelNamespace,
  namespaceLabels,
  readSecretPem,
  runId,
  scopeSelector,
  serveInjector,
} from './webhook-support';
import type { JsonObject } from '../../src/json-object';

const id = runId();
const configName = `mesh-test-autoinject-${id}`;
const created: string[] = [];
let server: RunningWebhook | undefined;
let port: number;
let system: string;

async function scopedNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = await createTestNamespace(prefix);
  created.push(name);
  await labelNamespace(kubeConfig(), name, { [SCOPE_LABEL]: id, ...labels });
  return name;
}

function deploymentYaml(namespace: string, name: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}, version: v1}
    spec:
      containers:
      - name: ${name}
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe:
          httpGet: {path: /, port: 80}
`;
}

async function createDeployment(namespace: string, name: string): Promise<void> {
  await kubeRequest(kubeConfig(), { method: 'POST', path: `/apis/apps/v1/namespaces/${namespace}/deployments`, body: parse(deploymentYaml(namespace, name)) });
}

async function podsOf(namespace: string, app: string): Promise<KubeObject[]> {
  const list = await kubeRequest<KubeList>(kubeConfig(), { method: 'GET', path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: `app=${app}` } });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

const names = (list: { name: string }[] | undefined) => (list ?? []).map((c) => c.name);

/** The pod with what the API server adds by itself (the ServiceAccount token volume) taken out. */
function injectedParts(pod: JsonObject) {
  const token = (v: { name: string }) => v.name.startsWith('kube-api-access-');
  const containers = (list: JsonObject[] | undefined) =>
    (list ?? []).map((c) => ({ ...c, volumeMounts: (c.volumeMounts ?? []).filter((m: { name: string }) => !token(m)) }));
  const istio = (map: Record<string, string> = {}) => Object.fromEntries(Object.entries(map).filter(([k]) => /istio/.test(k)));
  return {
    labels: istio(pod.metadata.labels),
    annotations: istio(pod.metadata.annotations),
    initContainers: containers(pod.spec.initContainers),
    containers: containers(pod.spec.containers),
    volumes: (pod.spec.volumes ?? []).filter((v: { name: string }) => !token(v)),
  };
}

beforeAll(async () => {
  const kc = kubeConfig();
  system = await scopedNamespace('injector-system');
  port = await freePort();
  await installWebhook(kc, {
    namespace: system,
    service: 'mesh-injector',
    configName,
    url: `https://127.0.0.1:${port}/inject`,
    ipAddresses: ['127.0.0.1'],
    failurePolicy: 'Fail',
    extraNamespaceSelector: scopeSelector(id),
  });
  const { cert, key } = await readSecretPem(kc, system, 'sidecar-injector-certs');
  server = await serveInjector(cert, key, port);
});

afterAll(async () => {
  await server?.close();
  await deleteWebhookConfig(kubeConfig(), configName);
  await deleteWebhookConfig(kubeConfig(), `${configName}-canary`);
  await Promise.all(created.map((name) => deleteTestNamespace(name)));
});

describe('mesh autoinject with mesh injector webhook', () => {
  it('enables a fresh namespace, proven by a dry-run probe, and later pods get istio-proxy exactly as kube-inject injects', async () => {
    const kc = kubeConfig();
    const ns = await scopedNamespace('autoinject-on');
    const report = await enable(kc, ns);
    expect(report).toMatchObject({ ok: true, outcome: 'enabled', enabled: true, labels: { 'istio-injection': 'enabled' } });
    expect(report.probe).toMatchObject({ injected: true, expectedWebhooks: [`${configName}/namespace.sidecar-injector.istio.io`] });
    expect((await namespaceLabels(kc, ns))['istio-injection']).toBe('enabled');

    await createDeployment(ns, 'web');
    const [pod] = await waitUntil('a pod of deployment web', async () => {
      const pods = await podsOf(ns, 'web');
      return pods.length > 0 ? pods : undefined;
    });
    expect([...names((pod.spec as JsonObject).initContainers), ...names((pod.spec as JsonObject).containers)]).toContain('istio-proxy');

    // kube-inject of the same pod: the Deployment as the API server stored it (defaults applied, which the
    // webhook also sees), its injected template then defaulted by the same API server in a namespace
    // without injection (dry run).
    const stored = await kubeRequest<JsonObject>(kc, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/web` });
    const manifest = stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: stored.spec });
    const kubeInjected = parse(injectManifests(manifest, 'web.yaml', injectionSettings()).output.split('\n---\n')[0]);
    const plain = await scopedNamespace('autoinject-ref');
    const reference = await kubeRequest<JsonObject>(kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${plain}/pods`,
      query: { dryRun: 'All' },
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { ...kubeInjected.spec.template.metadata, name: 'reference' }, spec: kubeInjected.spec.template.spec },
    });
    expect(injectedParts(pod)).toEqual(injectedParts(reference));

    const after = await status(kc, ns);
    expect(after).toMatchObject({ enabled: true, coverage: { pods: 1, withSidecar: 1 }, missingSidecar: [] });
  });

  it('offers to restart running workloads that lack the sidecar, and the restart gives them one', async () => {
    const kc = kubeConfig();
    const ns = await scopedNamespace('autoinject-restart');
    await createDeployment(ns, 'old');
    await waitUntil('a pod of deployment old', async () => ((await podsOf(ns, 'old')).length > 0 ? true : undefined));

    const report = await enable(kc, ns);
    expect(report.ok).toBe(true);
    expect(report.missingSidecar).toEqual(['Deployment/old']);
    expect(report.restartable).toEqual([{ kind: 'Deployment', name: 'old' }]);

    expect(await restart(kc, ns)).toMatchObject({ restarted: [{ kind: 'Deployment', name: 'old' }], failed: [] });
    await waitUntil('deployment old rolled onto injected pods', async () => {
      const pods = await podsOf(ns, 'old');
      return pods.length > 0 && pods.every((p) => names((p.spec as JsonObject).initContainers).concat(names((p.spec as JsonObject).containers)).includes('istio-proxy'));
    });

    const off = await disable(kc, ns);
    expect(off).toMatchObject({ ok: true, outcome: 'disabled', enabled: false, labels: {} });
    expect(await namespaceLabels(kc, ns)).not.toHaveProperty('istio-injection');
  });

  it('explains istio-injection=disabled and does not override it', async () => {
    const kc = kubeConfig();
    const ns = await scopedNamespace('autoinject-disabled', { 'istio-injection': 'disabled' });
    const report = await enable(kc, ns);
    expect(report).toMatchObject({ ok: false, outcome: 'conflict', enabled: false });
    expect(report.summary).toMatch(/istio-injection=disabled: injection was switched off on purpose.*does not override/);
    expect((await namespaceLabels(kc, ns))['istio-injection']).toBe('disabled');
  });

  it('enables a revision with istio.io/rev through that revision\'s injector entries', async () => {
    const kc = kubeConfig();
    const report0 = await installWebhook(kc, {
      namespace: system,
      service: 'mesh-injector',
      configName: `${configName}-canary`,
      revision: 'canary',
      url: `https://127.0.0.1:${port}/inject`,
      ipAddresses: ['127.0.0.1'],
      extraNamespaceSelector: scopeSelector(id),
    });
    expect(report0.issued).toBe(false);
    const ns = await scopedNamespace('autoinject-rev');
    const report = await enable(kc, ns, { revision: 'canary' });
    expect(report).toMatchObject({ ok: true, outcome: 'enabled', labels: { 'istio.io/rev': 'canary' } });
    expect(report.probe?.expectedWebhooks).toEqual([`${configName}-canary/rev.namespace.sidecar-injector.istio.io`]);
    expect(report.injectors.map((i) => i.name)).toContain(`${configName}-canary`);
    // status follows the revision the namespace's labels select.
    expect((await status(kc, ns)).probe).toMatchObject({ injected: true });
  });

  it('reports a stopped webhook and leaves no label behind', async () => {
    const kc = kubeConfig();
    const ns = await scopedNamespace('autoinject-down');
    await server!.close();
    server = undefined;
    const report = await enable(kc, ns);
    expect(report).toMatchObject({ ok: false, outcome: 'failed', enabled: false, probe: { injected: false, failure: 'unreachable' } });
    expect(report.summary).toMatch(/cannot reach webhook namespace.sidecar-injector.istio.io/);
    expect(report.details).toContain('rolled back: removed label istio-injection=enabled again');
    expect(await namespaceLabels(kc, ns)).not.toHaveProperty('istio-injection');
  });
});
