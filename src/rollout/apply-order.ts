// The order objects of one stage are applied in, as Helm, kapp and Argo CD apply a release: what other objects
// live in or are defined by first (Namespaces, CustomResourceDefinitions), then what workloads refer to
// (ServiceAccounts, RBAC, ConfigMaps, Secrets, claims, quotas, policies), then Services, then the workloads,
// then everything else (autoscalers, ingresses, webhooks, APIServices, custom resources). Pure: no I/O.
import type { KubeObject } from '../kube/types';
import { ruleKey } from './readiness';

const GROUPS: { name: string; kinds: string[] }[] = [
  { name: 'namespaces and definitions', kinds: ['/Namespace', 'apiextensions.k8s.io/CustomResourceDefinition'] },
  {
    name: 'configuration',
    kinds: [
      '/ResourceQuota', '/LimitRange', 'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'networking.k8s.io/NetworkPolicy',
      'policy/PodDisruptionBudget', '/ServiceAccount', '/Secret', '/ConfigMap', 'storage.k8s.io/StorageClass', '/PersistentVolume',
      '/PersistentVolumeClaim', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
      'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding',
    ],
  },
  { name: 'services', kinds: ['/Service'] },
  {
    name: 'workloads',
    kinds: ['apps/DaemonSet', '/Pod', '/ReplicationController', 'apps/ReplicaSet', 'apps/Deployment', 'apps/StatefulSet', 'batch/Job', 'batch/CronJob'],
  },
];
const GROUP_OF = new Map(GROUPS.flatMap((g, i) => g.kinds.map((k) => [k, i] as const)));

/** The stage's objects in apply groups, in order (empty groups left out; order within a group kept). */
export function applyGroups<T extends { apiVersion: string; kind: string }>(objects: T[]): { name: string; objects: T[] }[] {
  const groups: { name: string; objects: T[] }[] = [...GROUPS.map((g) => ({ name: g.name, objects: [] as T[] })), { name: 'the rest', objects: [] }];
  for (const obj of objects) groups[GROUP_OF.get(ruleKey(obj.apiVersion, obj.kind)) ?? GROUPS.length]!.objects.push(obj);
  return groups.filter((g) => g.objects.length > 0);
}

/** A kind an app's own CustomResourceDefinition defines: which CRD, and whether its objects are namespaced. */
export interface DefinedKind {
  crd: string;
  namespaced: boolean;
}

const definedKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

/** The kinds (apiVersion and kind) that the CustomResourceDefinitions among `objects` define. */
export function definedKinds(objects: KubeObject[]): Map<string, DefinedKind> {
  const out = new Map<string, DefinedKind>();
  for (const obj of objects) {
    if (obj.kind !== 'CustomResourceDefinition' || !obj.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = (obj.spec ?? {}) as { group?: string; scope?: string; names?: { kind?: string }; versions?: { name?: string }[] };
    if (!spec.group || !spec.names?.kind) continue;
    for (const version of spec.versions ?? []) {
      if (!version.name) continue;
      out.set(definedKey(`${spec.group}/${version.name}`, spec.names.kind), { crd: obj.metadata.name ?? '', namespaced: spec.scope !== 'Cluster' });
    }
  }
  return out;
}

export function definedKind(defined: Map<string, DefinedKind> | undefined, obj: { apiVersion: string; kind: string }): DefinedKind | undefined {
  return defined?.get(definedKey(obj.apiVersion, obj.kind));
}
