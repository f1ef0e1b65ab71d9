import type { KubeObject } from '../../kube/types';
import { failedCreate } from './deployment';
import { failure, ready, statusNumber, waiting, type Readiness, type Related } from './types';

interface StatefulSetSpec {
  replicas?: number;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
}

/** Ready as `kubectl rollout status` says; while not, pods that cannot be created fail it after a grace. */
export function statefulSetReadiness(obj: KubeObject, related: Related = {}, now = Date.now()): Readiness {
  const readiness = statefulSetRolloutStatus(obj);
  return (!readiness.done && failedCreate(obj, related, now)) || readiness;
}

/** apps/v1 StatefulSet, exactly as `kubectl rollout status`. */
function statefulSetRolloutStatus(obj: KubeObject): Readiness {
  const spec = (obj.spec ?? {}) as StatefulSetSpec;
  const status = (obj.status ?? {}) as { updateRevision?: string; currentRevision?: string };
  const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    return failure(`rollout status is only available for RollingUpdate strategy type (statefulset "${obj.metadata.name}" uses ${strategy})`);
  }
  const observed = statusNumber(obj, 'observedGeneration');
  if (observed === 0 || (obj.metadata.generation ?? 0) > observed) {
    return waiting('Waiting for statefulset spec update to be observed...');
  }
  const replicas = spec.replicas ?? 1;
  const readyReplicas = statusNumber(obj, 'readyReplicas');
  if (readyReplicas < replicas) {
    return waiting(`Waiting for ${replicas - readyReplicas} pods to be ready...`);
  }
  const updated = statusNumber(obj, 'updatedReplicas');
  const rollingUpdate = spec.updateStrategy?.rollingUpdate;
  if (rollingUpdate) {
    if (rollingUpdate.partition !== undefined && updated < replicas - rollingUpdate.partition) {
      return waiting(
        `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - rollingUpdate.partition} new pods have been updated...`,
      );
    }
    return ready(`partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  if (status.updateRevision !== status.currentRevision) {
    return waiting(`waiting for statefulset rolling update to complete ${updated} pods at revision ${status.updateRevision}...`);
  }
  return ready(`statefulset rolling update complete ${statusNumber(obj, 'currentReplicas')} pods at revision ${status.currentRevision}...`);
}
