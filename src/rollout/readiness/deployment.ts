import type { KubeObject } from '../../kube/types';
import { condition, failure, generationObserved, ready, statusNumber, waiting, type Readiness } from './types';

/** apps/v1 Deployment, exactly as `kubectl rollout status` (polymorphichelpers/rollout_status.go). */
export function deploymentReadiness(obj: KubeObject): Readiness {
  const name = obj.metadata.name;
  if (!generationObserved(obj)) return waiting('Waiting for deployment spec update to be observed...');
  const progressing = condition(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return failure(`deployment "${name}" exceeded its progress deadline`);
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
