// `mesh autoinject` against the real thing: istiod (built from Go modules) is the local cluster's sidecar
// injector, registered as `mesh cluster up` installs it (istioctl's rendered webhook configuration, called by
// URL on loopback). mesh's own webhook has its suite in autoinject.test.ts, on the mesh-free cluster.
import { parse } from 'yaml';
import { kubeRequest, type KubeList, type KubeObject } from '../../src/kube';
import { disable, enable, restart, status } from '../../src/autoinject';
import { addIstioRevision, clusterStatus } from '../../src/cluster/cluster';
import { runRollout, startRollout, type RolloutEvent } from '../../src/rollout';
import { stopProcess } from '../../src/cluster/process';
import { istioManifestPath } from '../../src/cluster/versions';
import { readFileSync } from 'node:fs';
import { renderManifest } from '../support/real-istio';
import { createTestNamespace, deleteTestNamespace, istioClusterEnv, istiodInstances, istioKubeConfig, waitUntil } from './setup/cluster';
import { labelNamespace, namespaceLabels } from './webhook-support';
import type { JsonObject } from '../../src/json-object';

const created: string[] = [];
const clusterEnv = istioClusterEnv();

async function namespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = await createTestNamespace(prefix, istioKubeConfig());
  created.push(name);
  if (Object.keys(labels).length) await labelNamespace(istioKubeConfig(), name, labels);
  return name;
}

async function createDeployment(ns: string, name: string): Promise<void> {
  await kubeRequest(istioKubeConfig(), {
    method: 'POST',
    path: `/apis/apps/v1/namespaces/${ns}/deployments`,
    body: parse(`apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}, version: v1}}
    spec:
      containers:
      - name: ${name}
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}}
`),
  });
}

async function podsOf(ns: string, app: string): Promise<KubeObject[]> {
  const list = await kubeRequest<KubeList>(istioKubeConfig(), { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: `app=${app}` } });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

const containerNames = (pod: JsonObject) => [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c: { name: string }) => c.name);
const sidecarStatus = (pod: JsonObject) => JSON.parse(pod.metadata.annotations?.['sidecar.istio.io/status'] ?? '{}');

afterAll(async () => {
  await Promise.all(created.map((name) => deleteTestNamespace(name, istioKubeConfig())));
});

describe('mesh autoinject with the real istiod', () => {
  it('enables a namespace (creating it), proven by a dry-run pod that istiod injected, and new pods carry istiod\'s sidecar', async () => {
    const kc = istioKubeConfig();
    // As in the workshop, injection is enabled before anything is deployed: the namespace does not exist yet.
    const ns = `istiod-on-${Date.now().toString(36)}`;
    created.push(ns);
    const report = await enable(kc, ns);
    expect(report).toMatchObject({ ok: true, outcome: 'enabled', enabled: true, labels: { 'istio-injection': 'enabled' } });
    expect(report.details).toContain(`created namespace ${ns} (it did not exist)`);
    expect(report.probe).toMatchObject({ injected: true, expectedWebhooks: ['istio-sidecar-injector/namespace.sidecar-injector.istio.io'] });
    expect(report.injectors).toEqual([expect.objectContaining({ name: 'istio-sidecar-injector', managedBy: 'istiod', revision: 'default', usable: true })]);
    expect(report.injectors[0].target).toBe(istiodInstances().find((i) => i.revision === 'default')!.injectUrl);

    await createDeployment(ns, 'web');
    const [pod] = await waitUntil('an injected pod of deployment web', async () => {
      const pods = await podsOf(ns, 'web');
      return pods.length > 0 ? pods : undefined;
    });
    expect(containerNames(pod)).toEqual(expect.arrayContaining(['istio-init', 'istio-proxy', 'web']));
    const proxy = [...((pod.spec as JsonObject).initContainers ?? []), ...(pod.spec as JsonObject).containers].find((c: JsonObject) => c.name === 'istio-proxy');
    // istiod's own image and template (1.31 adds GOMAXPROCS), not mesh's built-in engine.
    expect(proxy.image).toBe('docker.io/istio/proxyv2:1.31.0');
    expect(proxy.env.map((e: { name: string }) => e.name)).toContain('GOMAXPROCS');
    // Native sidecars (the node's kubelet is 1.34): istiod records istio-proxy among the init containers.
    expect(sidecarStatus(pod).initContainers).toEqual(['istio-init', 'istio-proxy']);

    const after = await status(kc, ns);
    expect(after).toMatchObject({ enabled: true, coverage: { pods: 1, withSidecar: 1 }, missingSidecar: [] });
  });

  it('offers to restart workloads that predate injection, and istiod injects their new pods', async () => {
    const kc = istioKubeConfig();
    const ns = await namespace('istiod-restart');
    await createDeployment(ns, 'old');
    await waitUntil('a pod of deployment old', async () => ((await podsOf(ns, 'old')).length > 0 ? true : undefined));
    const report = await enable(kc, ns);
    expect({ ok: report.ok, summary: report.summary }).toEqual({ ok: true, summary: expect.stringMatching(/^auto-injection is on/) });
    expect(report).toMatchObject({ missingSidecar: ['Deployment/old'], restartable: [{ kind: 'Deployment', name: 'old' }] });
    expect(await restart(kc, ns)).toMatchObject({ restarted: [{ kind: 'Deployment', name: 'old' }], failed: [] });
    await waitUntil('deployment old rolled onto pods with istiod\'s sidecar', async () => {
      const pods = await podsOf(ns, 'old');
      return pods.length > 0 && pods.every((p) => containerNames(p).includes('istio-proxy'));
    });
    const off = await disable(kc, ns);
    expect(off).toMatchObject({ ok: true, outcome: 'disabled', enabled: false });
    expect(await namespaceLabels(kc, ns)).not.toHaveProperty('istio-injection');
  });

  it('does not override istio-injection=disabled', async () => {
    const kc = istioKubeConfig();
    const ns = await namespace('istiod-disabled', { 'istio-injection': 'disabled' });
    const report = await enable(kc, ns);
    expect(report).toMatchObject({ ok: false, outcome: 'conflict', enabled: false });
    expect((await namespaceLabels(kc, ns))['istio-injection']).toBe('disabled');
  });

  it('enables a revision (istio.io/rev=canary) served by a second istiod revision', async () => {
    const canary = await addIstioRevision('canary', await renderManifest(['revision=canary']), clusterEnv);
    expect(canary.injectorConfig).toBe('istio-sidecar-injector-canary');
    const kc = istioKubeConfig();
    const ns = await namespace('istiod-rev');
    const report = await enable(kc, ns, { revision: 'canary' });
    expect(report).toMatchObject({ ok: true, outcome: 'enabled', labels: { 'istio.io/rev': 'canary' } });
    expect(report.probe).toMatchObject({ injected: true, expectedWebhooks: ['istio-sidecar-injector-canary/rev.namespace.sidecar-injector.istio.io'] });
    await createDeployment(ns, 'web');
    const [pod] = await waitUntil('a pod injected by the canary istiod', async () => {
      const pods = await podsOf(ns, 'web');
      return pods.length > 0 ? pods : undefined;
    });
    expect(sidecarStatus(pod).revision).toBe('canary');
  });

  it('reports istiod down (failurePolicy Fail) and leaves nothing half-done; istiod comes back', async () => {
    const kc = istioKubeConfig();
    const ns = await namespace('istiod-down');
    const istiod = (await clusterStatus(clusterEnv)).state!.components.find((c) => c.name === 'istiod')!;
    await stopProcess(istiod.pid, istiod.binary);
    try {
      const report = await enable(kc, ns);
      expect(report).toMatchObject({ ok: false, outcome: 'failed', enabled: false, probe: { injected: false } });
      expect(report.summary).toMatch(/cannot reach webhook namespace\.sidecar-injector\.istio\.io/);
      expect(report.details).toContain('rolled back: removed label istio-injection=enabled again');
      expect(await namespaceLabels(kc, ns)).not.toHaveProperty('istio-injection');
    } finally {
      await addIstioRevision('default', readFileSync(istioManifestPath(), 'utf8'), clusterEnv);
    }
    expect((await enable(kc, ns)).ok).toBe(true);
  });

  it('a rollout into an injected namespace fails fast, naming the webhook, when istiod is down', async () => {
    const kc = istioKubeConfig();
    const ns = await namespace('istiod-down-deploy');
    expect((await enable(kc, ns)).ok).toBe(true);
    const istiod = (await clusterStatus(clusterEnv)).state!.components.find((c) => c.name === 'istiod')!;
    await stopProcess(istiod.pid, istiod.binary);
    const began = Date.now();
    const events: RolloutEvent[] = [];
    try {
      const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
`;
      const state = startRollout({ app: 'web', files: [{ file: 'web.yaml', text: manifest }], namespace: ns, holder: 'jest', command: 'test' });
      const final = await runRollout(state, { kc, emit: (e) => events.push(e) });
      expect(final.phase).toBe('failed');
      const failed = events.at(-1) as Extract<RolloutEvent, { type: 'failed' }>;
      expect(failed.reason).toBe('stage');
      expect(failed.message).toMatch(/deployment\/web: deployment "web" cannot create pods \(FailedCreate\): .*failed calling webhook "namespace\.sidecar-injector\.istio\.io"/);
      // Long before the 5-minute stage deadline: the FailedCreate grace (10 s) plus the controller's retries.
      expect(Date.now() - began).toBeLessThan(60_000);
    } finally {
      await addIstioRevision('default', readFileSync(istioManifestPath(), 'utf8'), clusterEnv);
    }
  });
});
