import type { KubeObject } from '../../kube/types';

/** The one contract every per-kind rule returns (after kapp's DoneApplyState). */
export interface Readiness {
  done: boolean;
  failed: boolean;
  message: string;
}

/** Objects a rule may need besides its own: a Service's EndpointSlices, the namespace's FailedCreate events. */
export interface Related {
  endpointSlices?: KubeObject[];
  failedCreateEvents?: KubeObject[];
}

export type ReadinessRule = (obj: KubeObject, related: Related) => Readiness;

/**
 * Collections of the namespace a rule's verdict depends on besides the object itself (as kapp's rules name the
 * related objects they wait on): the rollout watches exactly these for the stage's objects.
 */
export type RelatedCollection = 'pods' | 'replicaSets' | 'endpointSlices' | 'failedCreateEvents';

export const RELATED_QUERIES: Record<RelatedCollection, { apiVersion: string; kind: string; fieldSelector?: string }> = {
  pods: { apiVersion: 'v1', kind: 'Pod' },
  // A Deployment's pods are those of its current ReplicaSet (a rollback's old pods are not the rollout's).
  replicaSets: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  endpointSlices: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  // StatefulSet and DaemonSet controllers report pods they cannot create only as events on the workload.
  failedCreateEvents: { apiVersion: 'v1', kind: 'Event', fieldSelector: 'reason=FailedCreate' },
};

/** A kind's readiness: how it is judged, and what else it watches while it rolls out. */
export interface KindReadiness {
  judge: ReadinessRule;
  watches: RelatedCollection[];
}

export const waiting = (message: string): Readiness => ({ done: false, failed: false, message });
export const ready = (message: string): Readiness => ({ done: true, failed: false, message });
export const failure = (message: string): Readiness => ({ done: true, failed: true, message });

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function condition(obj: KubeObject, type: string): Condition | undefined {
  const conditions = (obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === type);
}

/** status fields as numbers, absent = 0 (as the Go structs default them). */
export function statusNumber(obj: KubeObject, field: string): number {
  const value = (obj.status as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'number' ? value : 0;
}

export function generationObserved(obj: KubeObject): boolean {
  return (obj.metadata.generation ?? 0) <= statusNumber(obj, 'observedGeneration');
}
