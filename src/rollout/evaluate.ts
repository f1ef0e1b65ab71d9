import { objectLabel, type KubeObject } from '../kube/types';
import { judgedFromApply, managesPods, podFailure, readinessOf, type Readiness } from './readiness';
import { matchesSelectorEmptyMatchesNone, type LabelSelector } from '../kube/label-selector';

/** What the cluster currently holds, by collection, as the stage's watches see it. */
export interface LiveObjects {
  byKind: Map<string, KubeObject[]>;
  pods: KubeObject[];
  endpointSlices: KubeObject[];
  /** FailedCreate events of the namespace, when the stage has StatefulSets or DaemonSets. */
  failedCreateEvents?: KubeObject[];
  /** When watched: a Deployment's pods are then those of its current ReplicaSet only. */
  replicaSets?: KubeObject[];
}

export interface ObjectState {
  /** `kind/name` */
  object: string;
  readiness: Readiness;
  /** For a workload that failed because of one of its pods. */
  pod?: string;
  reason?: string;
}

export interface StageEvaluation {
  status: 'ready' | 'failed' | 'waiting';
  objects: ObjectState[];
}

export const kindKey = (obj: { apiVersion: string; kind: string }) => `${obj.apiVersion}/${obj.kind}`;
// How the rollout names an object in its events: the adapter's one object formatter.
export const objectKey = objectLabel;

const REVISION = 'deployment.kubernetes.io/revision';

/**
 * The ReplicaSet of a Deployment's current template, once the controller has caught up with it (a rollback
 * re-applies an older template: until then the pods of the revision being replaced are not the rollout's).
 */
export function currentReplicaSet(deployment: KubeObject, replicaSets: KubeObject[]): KubeObject | undefined {
  const observed = (deployment.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
  if (observed < (deployment.metadata.generation ?? 0)) return undefined;
  const revision = deployment.metadata.annotations?.[REVISION];
  if (revision === undefined) return undefined;
  return replicaSets.find(
    (rs) => rs.metadata.annotations?.[REVISION] === revision && rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === deployment.metadata.name),
  );
}

/**
 * Pods a workload owns, by its selector, not those being deleted. With the ReplicaSets known, a Deployment's are
 * those of its current ReplicaSet: a crash-looping pod of the revision being rolled away from is not a failure.
 */
export function podsOf(workload: KubeObject, pods: KubeObject[], replicaSets?: KubeObject[]): KubeObject[] {
  if (workload.kind === 'Deployment' && replicaSets) {
    const current = currentReplicaSet(workload, replicaSets);
    if (!current) return [];
    return pods.filter((p) => !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && o.name === current.metadata.name));
  }
  const selector = (workload.spec as { selector?: LabelSelector } | undefined)?.selector;
  return pods.filter((p) => !p.metadata.deletionTimestamp && matchesSelectorEmptyMatchesNone(p.metadata.labels, selector));
}

/** Readiness of each desired object of a stage against the live objects: pure, so it is unit-tested. */
export function evaluateStage(desired: KubeObject[], live: LiveObjects): StageEvaluation {
  // By kind and name (each collection is of the rollout's namespace), once per evaluation: a stage of a
  // thousand ConfigMaps is judged in linear time.
  const index = new Map<string, Map<string, KubeObject>>();
  const liveOf = (want: KubeObject) => {
    const key = kindKey(want);
    let named = index.get(key);
    if (!named) index.set(key, (named = new Map((live.byKind.get(key) ?? []).map((o) => [o.metadata.name ?? '', o]))));
    return named.get(want.metadata.name ?? '');
  };
  const objects = desired.map((want): ObjectState => {
    const object = objectKey(want);
    if (judgedFromApply(want)) return { object, readiness: { done: true, failed: false, message: `${want.kind.toLowerCase()} "${want.metadata.name}" applied (not read back)` } };
    const current = liveOf(want);
    if (!current) return { object, readiness: { done: false, failed: false, message: `${object} does not exist yet` } };
    if (managesPods(want)) {
      for (const pod of podsOf(current, live.pods, live.replicaSets)) {
        const stuck = podFailure(pod);
        if (stuck) {
          return {
            object,
            pod: pod.metadata.name,
            reason: stuck.reason,
            readiness: { done: true, failed: true, message: `pod ${pod.metadata.name}: ${stuck.message}` },
          };
        }
      }
    }
    const readiness = readinessOf(current, { endpointSlices: live.endpointSlices, failedCreateEvents: live.failedCreateEvents ?? [] });
    const reason = readiness.failed && /progress deadline/.test(readiness.message) ? 'ProgressDeadlineExceeded' : undefined;
    return { object, readiness, reason: readiness.failed ? (reason ?? 'Failed') : undefined };
  });
  const status = objects.some((o) => o.readiness.failed)
    ? 'failed'
    : objects.every((o) => o.readiness.done)
      ? 'ready'
      : 'waiting';
  return { status, objects };
}
