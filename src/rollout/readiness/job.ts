import type { KubeObject } from '../../kube/types';
import { condition, failure, ready, statusNumber, waiting, type Readiness } from './types';

/** batch/v1 Job: done when Complete, failed when Failed (with the controller's reason). */
export function jobReadiness(obj: KubeObject): Readiness {
  const name = obj.metadata.name;
  const failed = condition(obj, 'Failed');
  if (failed?.status === 'True') {
    return failure(`job "${name}" failed: ${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}`);
  }
  if (condition(obj, 'Complete')?.status === 'True') return ready(`job "${name}" completed`);
  return waiting(
    `Waiting for job "${name}" to complete: ${statusNumber(obj, 'active')} active, ${statusNumber(obj, 'succeeded')} succeeded`,
  );
}
