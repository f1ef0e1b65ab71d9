// Scenario 4 for StatefulSets and DaemonSets: with the sidecar injector down (a mutating webhook with
// failurePolicy Fail that nobody answers, as when istiod is stopped), their controllers cannot create pods and
// say so only in FailedCreate events on the workload. The stage fails fast, naming the webhook, instead of
// waiting for its deadline. Runs on the cluster without Istio; the webhook only matches this file's namespace.
import { createObject, deleteObject, listObjects } from '../../src/kube/objects';
import { freePorts } from '../../src/cluster/process';
import { renderDiagnosis } from '../../src/cli/rollout-text';
import { runRollout, startRollout, type RolloutEvent } from '../../src/rollout';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from './setup/cluster';

const kc = kubeConfig();
const WEBHOOK = 'sidecar-injector.faults.mesh.dev';
let namespace: string;
const webhookConfiguration = () => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name: `faults-injector-down-${namespace}` },
});

beforeAll(async () => {
  namespace = await createTestNamespace('injector-down');
  const [deadPort] = await freePorts(1);
  await createObject(kc, {
    ...webhookConfiguration(),
    webhooks: [{
      name: WEBHOOK,
      clientConfig: { url: `https://127.0.0.1:${deadPort}/inject` },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 2,
    }],
  } as never);
});

afterAll(async () => {
  await deleteObject(kc, webhookConfiguration() as never).catch(() => undefined);
  await deleteTestNamespace(namespace);
});

const podTemplate = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: app, image: 'nginx:1.27' }] } });
const workloads: Record<string, object> = {
  StatefulSet: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } }, template: podTemplate('db') } },
  DaemonSet: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent') } },
};

describe('scenario 4: the injector down while a StatefulSet or DaemonSet rolls out', () => {
  it.each(Object.keys(workloads))('a %s fails fast with a diagnosis naming the webhook and the FailedCreate events', async (kind) => {
    const events: RolloutEvent[] = [];
    const began = Date.now();
    const state = startRollout({ app: kind.toLowerCase(), files: [{ file: 'w.json', text: JSON.stringify(workloads[kind]) }], namespace, holder: 'jest', command: 'test' });
    const final = await runRollout(state, { kc, emit: (e) => events.push(e) });
    expect(final.phase).toBe('failed');
    const failed = events.at(-1) as Extract<RolloutEvent, { type: 'failed' }>;
    expect(failed.reason).toBe('stage');
    const name = (workloads[kind] as { metadata: { name: string } }).metadata.name;
    expect(failed.message).toMatch(new RegExp(`${kind.toLowerCase()}/${name}: ${kind.toLowerCase()} "${name}" cannot create pods \\(FailedCreate\\): .*failed calling webhook "${WEBHOOK.replace(/\./g, '\\.')}"`));
    expect(failed.diagnosis!.events.some((e) => e.reason === 'FailedCreate' && e.message?.includes(WEBHOOK))).toBe(true);
    expect(renderDiagnosis(failed.diagnosis!).join('\n')).toContain('FailedCreate');
    // Long before the 5-minute stage deadline: the grace (10 s) plus the controller's retries.
    expect(Date.now() - began).toBeLessThan(60_000);
    // Nothing got through: the webhook refused every pod.
    expect((await listObjects(kc, { apiVersion: 'v1', kind: 'Pod', namespace })).items).toHaveLength(0);
  });
});
