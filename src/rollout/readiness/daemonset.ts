import type { KubeObject } from '../../kube/types';
import { failedCreate } from './deployment';
import { failure, generationObserved, ready, statusNumber, waiting, type Readiness, type Related } from './types';

/** Ready as `kubectl rollout status` says; while not, pods that cannot be created fail it after a grace. */
export function daemonSetReadiness(obj: KubeObject, related: Related = {}, now = Date.now()): Readiness {
  const readiness = daemonSetRolloutStatus(obj);
  return (!readiness.done && failedCreate(obj, related, now)) || readiness;
}

/** apps/v1 DaemonSet, exactly as `kubectl rollout status`. */
function daemonSetRolloutStatus(obj: KubeObject): Readiness {
  const name = obj.metadata.name;
  const strategy = (obj.spec as { updateStrategy?: { type?: string } } | undefined)?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    return failure(`rollout status is only available for RollingUpdate strategy type (daemon set "${name}" uses ${strategy})`);
  }
  if (!generationObserved(obj)) return waiting('Waiting for daemon set spec update to be observed...');
  const desired = statusNumber(obj, 'desiredNumberScheduled');
  const updated = statusNumber(obj, 'updatedNumberScheduled');
  const available = statusNumber(obj, 'numberAvailable');
  if (updated < desired) {
    return waiting(`Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
  }
  if (available < desired) {
    return waiting(`Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`);
  }
  return ready(`daemon set "${name}" successfully rolled out`);
}
