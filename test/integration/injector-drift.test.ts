// Drift, on the real thing: a namespace injected by istiod 1.31 (revision default) is switched to the canary
// revision (istiod 1.30). Its running pods keep the 1.31 sidecar until restarted; `autoinject status` must say
// which workloads drifted and why, Restart must roll exactly those, and afterwards they are current again.
import { parse } from 'yaml';
import { restart, status } from '../../src/autoinject';
import { kubeRequest, type KubeList, type KubeObject } from '../../src/kube';
import { ISTIO_CANARY_RELEASE, ISTIO_RELEASE } from '../../src/cluster/versions';
import { createTestNamespace, deleteTestNamespace, istioKubeConfig, waitUntil } from './setup/cluster';
import { labelNamespace } from './webhook-support';
import type { JsonObject } from '../../src/json-object';

let ns = '';

beforeAll(async () => {
  ns = await createTestNamespace('drift', istioKubeConfig());
  await labelNamespace(istioKubeConfig(), ns, { 'istio-injection': 'enabled' });
});
afterAll(() => deleteTestNamespace(ns, istioKubeConfig()));

async function createDeployment(name: string, replicas: number): Promise<void> {
  await kubeRequest(istioKubeConfig(), {
    method: 'POST',
    path: `/apis/apps/v1/namespaces/${ns}/deployments`,
    body: parse(`apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: ${name}, image: nginx:1.27, ports: [{containerPort: 80}]}]}
`),
  });
}

async function proxyImages(app: string): Promise<string[]> {
  const list = await kubeRequest<KubeList>(istioKubeConfig(), { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: `app=${app}` } });
  return list.items
    .filter((p: KubeObject) => !p.metadata.deletionTimestamp)
    .map((p: JsonObject) => [...(p.spec.initContainers ?? []), ...p.spec.containers].find((c: { name: string }) => c.name === 'istio-proxy')?.image ?? 'none');
}

const image = (release: string) => `docker.io/istio/proxyv2:${release}.0`;

describe('sidecar drift after switching a namespace to another revision', () => {
  it('is none while the pods match their injector', async () => {
    await createDeployment('web', 2);
    await createDeployment('api', 1);
    for (const app of ['web', 'api']) {
      await waitUntil(`${app}'s pods injected by istiod ${ISTIO_RELEASE}`, async () => {
        const images = await proxyImages(app);
        return images.length === (app === 'web' ? 2 : 1) && images.every((i) => i === image(ISTIO_RELEASE));
      });
    }
    const report = await status(istioKubeConfig(), ns);
    expect(report.enabled).toBe(true);
    expect(report.drift?.map((d) => [`${d.kind}/${d.name}`, d.drifted, d.pods])).toEqual([['Deployment/api', 0, 1], ['Deployment/web', 0, 2]]);
    expect(report.restartable).toEqual([]);
    expect(report.details).toContain('sidecar drift: 0 of 2 injected workload(s) differ from what the injector gives now');
  });

  it('names every drifted workload, with the old and the new proxy, once the namespace points at the canary', async () => {
    await labelNamespace(istioKubeConfig(), ns, { 'istio-injection': null, 'istio.io/rev': 'canary' });
    const report = await status(istioKubeConfig(), ns);
    expect(report.enabled).toBe(true);
    expect(report.drift?.map((d) => [`${d.kind}/${d.name}`, d.drifted, d.pods])).toEqual([['Deployment/api', 1, 1], ['Deployment/web', 2, 2]]);
    for (const d of report.drift ?? []) {
      expect(d.expected.image).toBe(image(ISTIO_CANARY_RELEASE));
      expect(d.expected.revision).toBe('canary');
      expect(d.reason).toBe(`runs ${image(ISTIO_RELEASE)}; the injector now gives ${image(ISTIO_CANARY_RELEASE)}`);
    }
    expect(report.summary).toMatch(/2 workload\(s\) run an outdated sidecar$/);
    expect(report.restartable).toEqual([{ kind: 'Deployment', name: 'api' }, { kind: 'Deployment', name: 'web' }]);
  });

  it('restarts the drifted workloads, after which they are current', async () => {
    const restarted = await restart(istioKubeConfig(), ns);
    expect(restarted.restarted.map((w) => w.name).sort()).toEqual(['api', 'web']);
    for (const app of ['web', 'api']) {
      await waitUntil(`${app}'s pods re-injected by istiod ${ISTIO_CANARY_RELEASE}`, async () => {
        const images = await proxyImages(app);
        return images.length === (app === 'web' ? 2 : 1) && images.every((i) => i === image(ISTIO_CANARY_RELEASE));
      }, 60_000);
    }
    const report = await status(istioKubeConfig(), ns);
    expect(report.drift?.every((d) => d.drifted === 0)).toBe(true);
    expect(report.restartable).toEqual([]);
  });
});
