import type { KubeObject } from '../../kube/types';
import { condition, failure, generationObserved, ready, statusNumber, waiting, type Readiness } from './types';

/** How long pod creation may keep failing (an admission webhook restarting, a quota just raised) before giving up. */
export const FAILED_CREATE_GRACE_MS = 10_000;

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
      return failure(`deployment "${name}" cannot create pods (FailedCreate): ${replicaFailure.message ?? 'no message'}`);
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
