/** The cluster reads and writes of auto-injection, each naming the RBAC permission it needs. */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  createObject, ensureNamespace, getObject, KubeApiError, listObjects, withPermission, patchObject, FIELD_MANAGER, type KubeObject,
} from '../kube';
import { UserError } from '../errors';
import type { InjectorConfig } from './injectors';
import { probePod } from './probe';
import { hasSidecar } from './coverage';

const namespaceRef = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export async function readNamespace(kc: KubeConfig, namespace: string): Promise<KubeObject> {
  const found = await withPermission('get on namespaces', () => getObject(kc, namespaceRef(namespace)));
  if (!found) throw new UserError(`namespace ${namespace} does not exist`);
  return found;
}

/** Reads the namespace, creating it (empty, unlabelled) when it does not exist yet; says which. */
export async function readOrCreateNamespace(kc: KubeConfig, namespace: string): Promise<{ namespace: KubeObject; created: boolean }> {
  return ensureNamespace(kc, namespace, { permissions: { get: 'get on namespaces', create: 'create on namespaces' } });
}

/** Sets (string) or removes (null) namespace labels with a JSON merge patch. */
export async function patchNamespaceLabels(kc: KubeConfig, namespace: string, labels: Record<string, string | null>): Promise<void> {
  await withPermission('patch on namespaces', () => patchObject(kc, namespaceRef(namespace), 'merge', { metadata: { labels } }));
}

export async function listInjectorConfigs(kc: KubeConfig): Promise<InjectorConfig[]> {
  const list = await withPermission('list on admissionregistration.k8s.io/mutatingwebhookconfigurations', () =>
    listObjects<InjectorConfig>(kc, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' }),
  );
  return list.items;
}

export async function serviceExists(kc: KubeConfig, namespace: string, name: string): Promise<boolean> {
  return (await getObject(kc, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace } })) !== undefined;
}

export type ProbeOutcome = { created: true; injected: boolean } | { created: false; message: string };

/**
 * Server-side dry-run create of a probe pod: the API server runs the whole admission chain (including the
 * injector webhook) and persists nothing. A namespace seconds old may still lack its default ServiceAccount.
 */
export async function dryRunProbe(kc: KubeConfig, namespace: string): Promise<ProbeOutcome> {
  const deadline = Date.now() + 10_000;
  const probe = probePod() as KubeObject;
  for (;;) {
    try {
      const pod = await withPermission(`create on pods in namespace ${namespace}`, () =>
        createObject<KubeObject>(kc, { ...probe, metadata: { ...probe.metadata, namespace } }, true),
      );
      return { created: true, injected: hasSidecar(pod) };
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      if (/serviceaccount.*not found/i.test(error.message) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      return { created: false, message: error.message };
    }
  }
}

export async function listPodsAndReplicaSets(kc: KubeConfig, namespace: string): Promise<{ pods: KubeObject[]; replicaSets: KubeObject[] }> {
  const [pods, replicaSets] = await Promise.all([
    withPermission(`list on pods in namespace ${namespace}`, () => listObjects(kc, { apiVersion: 'v1', kind: 'Pod', namespace })),
    withPermission(`list on apps/replicasets in namespace ${namespace}`, () => listObjects(kc, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace })),
  ]);
  return { pods: pods.items, replicaSets: replicaSets.items };
}

const PLURALS: Record<string, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

/** `kubectl rollout restart`: a new pod-template annotation makes the controller roll every pod. */
export async function restartWorkload(kc: KubeConfig, namespace: string, kind: string, name: string, now: Date): Promise<void> {
  const plural = PLURALS[kind];
  if (!plural) throw new UserError(`${kind} ${name} cannot be restarted (only Deployments, StatefulSets and DaemonSets can)`);
  await withPermission(`patch on apps/${plural} in namespace ${namespace}`, () =>
    patchObject(
      kc,
      { apiVersion: 'apps/v1', kind, metadata: { name, namespace } },
      'strategic',
      { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now.toISOString() } } } } },
      { fieldManager: FIELD_MANAGER },
    ),
  );
}

/**
 * What the namespace's injector would make of a workload's pods now: a server-side dry-run create of its pod
 * template (the whole admission chain runs, nothing is stored), carrying a running pod's generateName, labels
 * and owner so that everything the injector derives from the pod's identity comes out the same.
 */
export async function dryRunWorkloadPod(kc: KubeConfig, namespace: string, kind: string, name: string, sample: KubeObject): Promise<KubeObject | undefined> {
  const plural = PLURALS[kind];
  if (!plural) return undefined;
  const workload = await withPermission(`get on apps/${plural} in namespace ${namespace}`, () =>
    getObject<KubeObject & { spec?: { template?: { metadata?: KubeObject['metadata']; spec?: unknown } } }>(kc, {
      apiVersion: 'apps/v1', kind, metadata: { name, namespace },
    }),
  );
  // A workload deleted since its pods were listed has nothing to compare.
  const template = workload?.spec?.template;
  if (!template?.spec) return undefined;
  const body = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace,
      generateName: sample.metadata.generateName ?? `${name}-`,
      labels: sample.metadata.labels ?? template.metadata?.labels,
      annotations: template.metadata?.annotations,
      ownerReferences: sample.metadata.ownerReferences,
    },
    spec: template.spec,
  };
  return withPermission(`create on pods in namespace ${namespace}`, () => createObject<KubeObject>(kc, body, true));
}
