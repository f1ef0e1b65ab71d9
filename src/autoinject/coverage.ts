/** Sidecar coverage of a namespace: which running workloads have pods without istio-proxy. Pure. */
import type { KubeObject } from '../kube';
import { PROXY_CONTAINER } from '../istio/vocabulary';
import { kindSlashName } from '../object-name';

/** Kinds `kubectl rollout restart` can restart. */
export const RESTARTABLE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

export interface WorkloadRef {
  kind: string;
  name: string;
}

export interface WorkloadCoverage extends WorkloadRef {
  pods: number;
  withSidecar: number;
  restartable: boolean;
}

export interface Coverage {
  pods: number;
  withSidecar: number;
  workloads: WorkloadCoverage[];
}

export interface PodLike extends KubeObject {
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
  status?: { phase?: string };
}

export function hasSidecar(pod: { spec?: unknown; [field: string]: unknown }): boolean {
  const spec = (pod.spec ?? {}) as PodLike['spec'];
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some((c) => c.name === PROXY_CONTAINER);
}

function controllerOf(obj: KubeObject): WorkloadRef | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller);
  return ref ? { kind: ref.kind, name: ref.name } : undefined;
}

/** Live pods (not finished, not being deleted), grouped by the workload that owns them (`Kind/name` keys). */
export function podsByWorkload<P extends PodLike>(pods: P[], replicaSets: KubeObject[]): Map<string, { workload: WorkloadRef; pods: P[] }> {
  const rsOwner = new Map(replicaSets.map((rs) => [rs.metadata.name, controllerOf(rs)]));
  const groups = new Map<string, { workload: WorkloadRef; pods: P[] }>();
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    let owner = controllerOf(pod) ?? { kind: 'Pod', name: pod.metadata.name ?? '' };
    if (owner.kind === 'ReplicaSet') owner = rsOwner.get(owner.name) ?? owner;
    const key = `${kindSlashName(owner)}`;
    const group = groups.get(key) ?? { workload: owner, pods: [] };
    groups.set(key, group);
    group.pods.push(pod);
  }
  return groups;
}

export function sidecarCoverage(pods: PodLike[], replicaSets: KubeObject[]): Coverage {
  const workloads = [...podsByWorkload(pods, replicaSets).values()]
    .map(({ workload, pods: owned }) => ({
      ...workload,
      pods: owned.length,
      withSidecar: owned.filter(hasSidecar).length,
      restartable: (RESTARTABLE_KINDS as readonly string[]).includes(workload.kind),
    }))
    .sort((a, b) => `${kindSlashName(a)}`.localeCompare(`${kindSlashName(b)}`));
  return {
    pods: workloads.reduce((n, w) => n + w.pods, 0),
    withSidecar: workloads.reduce((n, w) => n + w.withSidecar, 0),
    workloads,
  };
}
