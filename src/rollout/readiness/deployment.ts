import type { KubeObject } from '../../kube/types';
import { condition, failure, generationObserved, ready, statusNumber, waiting, type Readiness, type Related } from './types';

/** How long pod creation may keep failing (an admission webhook restarting, a quota just raised) before giving up. */
export const FAILED_CREATE_GRACE_MS = 10_000;
/** A FailedCreate event older than this is history (the controller retries with backoff well within it). */
const FAILED_CREATE_RECENT_MS = 60_000;

/**
 * A pod creation refused by the API server's own storage (etcd away or timing out), not by anything about the
 * workload: the controller retries once the API server is whole again, so the rollout waits it out as it waits
 * out the API server's 503/504s, bounded by the stage deadline.
 */
const STORAGE_UNAVAILABLE =
  /rpc error: code = (Unavailable|DeadlineExceeded)|etcdserver: |Timeout: request did not complete|the server was unable to return a response in the time allotted|the server is currently unable to handle the request/;

/** FailedCreate, past its grace: a failure, unless the storage refused, which is waited out. */
function cannotCreatePods(what: string, message: string | undefined): Readiness {
  if (message !== undefined && STORAGE_UNAVAILABLE.test(message)) {
    return waiting(`Waiting for ${what} to create its pods: the API server's storage refused (${message})`);
  }
  return failure(`${what} cannot create pods (FailedCreate): ${message ?? 'no message'}`);
}

interface KubeEvent extends KubeObject {
  involvedObject?: { uid?: string; kind?: string; name?: string };
  message?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
}

/**
 * StatefulSets and DaemonSets have no ReplicaFailure condition: their controllers only record FailedCreate
 * events on the workload. The same rule from those: failing for the grace period and still failing recently.
 */
export function failedCreate(obj: KubeObject, related: Related, now: number): Readiness | undefined {
  const events = (related.failedCreateEvents ?? []) as KubeEvent[];
  const mine = events.filter((e) => (e.involvedObject?.uid ? e.involvedObject.uid === obj.metadata.uid : e.involvedObject?.kind === obj.kind && e.involvedObject?.name === obj.metadata.name));
  const time = (s: string | undefined) => (s ? Date.parse(s) : NaN);
  const latest = mine
    .map((e) => ({ e, last: time(e.lastTimestamp ?? e.eventTime), first: time(e.firstTimestamp ?? e.eventTime) }))
    .filter((x) => Number.isFinite(x.last) && now - x.last <= FAILED_CREATE_RECENT_MS)
    .sort((a, b) => b.last - a.last)[0];
  if (!latest || !(now - latest.first >= FAILED_CREATE_GRACE_MS)) return undefined;
  return cannotCreatePods(`${obj.kind.toLowerCase()} "${obj.metadata.name}"`, latest.e.message);
}

/**
 * apps/v1 Deployment, as `kubectl rollout status` (polymorphichelpers/rollout_status.go) — plus one rule kubectl
 * lacks: pods that cannot even be created (ReplicaFailure/FailedCreate, e.g. a sidecar-injector webhook that is
 * down with failurePolicy Fail) fail the rollout after a short grace instead of at the stage deadline.
 */
export function deploymentReadiness(obj: KubeObject, _related: unknown = {}, now = Date.now()): Readiness {
  const name = obj.metadata.name;
  if (!generationObserved(obj)) return waiting('Waiting for deployment spec update to be observed...');
  const progressing = condition(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return failure(`deployment "${name}" exceeded its progress deadline`);
  }
  const replicaFailure = condition(obj, 'ReplicaFailure');
  if (replicaFailure?.status === 'True' && replicaFailure.reason === 'FailedCreate') {
    const since = Date.parse(replicaFailure.lastTransitionTime ?? '');
    if (!Number.isFinite(since) || now - since >= FAILED_CREATE_GRACE_MS) {
      return cannotCreatePods(`deployment "${name}"`, replicaFailure.message);
    }
  }
  const spec = obj.spec as { replicas?: number } | undefined;
  const replicas = spec?.replicas ?? 1;
  const updated = statusNumber(obj, 'updatedReplicas');
  const total = statusNumber(obj, 'replicas');
  const available = statusNumber(obj, 'availableReplicas');
  if (updated < replicas) {
    return waiting(`Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`);
  }
  if (total > updated) {
    return waiting(`Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`);
  }
  if (available < updated) {
    return waiting(`Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`);
  }
  return ready(`deployment "${name}" successfully rolled out`);
}
