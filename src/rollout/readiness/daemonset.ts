import type { KubeObject } from '../../kube/types';
import { failure, generationObserved, ready, statusNumber, waiting, type Readiness } from './types';

/** apps/v1 DaemonSet, exactly as `kubectl rollout status`. */
export function daemonSetReadiness(obj: KubeObject): Readiness {
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
