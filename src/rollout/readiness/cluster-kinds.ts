// Rules for the kinds that set up a cluster or an app's storage rather than run it: a Namespace is usable once
// Active, a PersistentVolumeClaim once Bound, a CustomResourceDefinition once Established (its names accepted),
// an APIService once Available, a ReplicaSet once its replicas are available (as kstatus judges each).
import type { KubeObject } from '../../kube/types';
import { genericProgress } from './generic';
import { condition, failure, ready, statusNumber, waiting, type Readiness } from './types';

const phaseOf = (obj: KubeObject) => (obj.status as { phase?: string } | undefined)?.phase;

/** v1 Namespace: Active; Terminating waits (objects cannot be created in it). */
export function namespaceReadiness(obj: KubeObject): Readiness {
  const phase = phaseOf(obj);
  if (phase === 'Active') return ready(`namespace "${obj.metadata.name}" is Active`);
  return waiting(`Waiting for namespace "${obj.metadata.name}" to be Active (phase ${phase ?? 'unknown'})`);
}

/** v1 PersistentVolumeClaim: Bound; Lost fails (its volume is gone). */
export function pvcReadiness(obj: KubeObject): Readiness {
  const name = obj.metadata.name;
  const phase = phaseOf(obj);
  if (phase === 'Bound') return ready(`persistentvolumeclaim "${name}" is Bound`);
  if (phase === 'Lost') return failure(`persistentvolumeclaim "${name}" lost its volume (phase Lost)`);
  return waiting(`Waiting for persistentvolumeclaim "${name}" to be Bound (phase ${phase ?? 'Pending'})`);
}

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition: Established; its names refused (NamesAccepted=False) or
 * Established=False for any reason but Installing fails.
 */
export function crdReadiness(obj: KubeObject): Readiness {
  const name = obj.metadata.name;
  const names = condition(obj, 'NamesAccepted');
  if (names?.status === 'False') return failure(`customresourcedefinition "${name}": names not accepted: ${names.reason ?? ''}${names.message ? `: ${names.message}` : ''}`);
  const established = condition(obj, 'Established');
  if (established?.status === 'True') return ready(`customresourcedefinition "${name}" is Established`);
  if (established?.status === 'False' && established.reason !== 'Installing') {
    return failure(`customresourcedefinition "${name}" is not Established: ${established.reason ?? ''}${established.message ? `: ${established.message}` : ''}`);
  }
  return waiting(`Waiting for customresourcedefinition "${name}" to be Established`);
}

/** apiregistration.k8s.io/v1 APIService: Available (its backing service answers discovery). */
export function apiServiceReadiness(obj: KubeObject): Readiness {
  const name = obj.metadata.name;
  const available = condition(obj, 'Available');
  if (available?.status === 'True') return ready(`apiservice "${name}" is Available`);
  const why = available ? ` (${available.reason ?? available.status}${available.message ? `: ${available.message}` : ''})` : '';
  return waiting(`Waiting for apiservice "${name}" to be Available${why}`);
}

/** apps/v1 ReplicaSet applied on its own: every replica labelled, available and ready, none left over. */
export function replicaSetReadiness(obj: KubeObject): Readiness {
  const progress = genericProgress(obj);
  if (progress) return progress;
  const name = obj.metadata.name;
  const failed = condition(obj, 'ReplicaFailure');
  if (failed?.status === 'True') return waiting(`Waiting for replicaset "${name}": ${failed.reason ?? 'ReplicaFailure'}${failed.message ? `: ${failed.message}` : ''}`);
  const replicas = (obj.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const available = statusNumber(obj, 'availableReplicas');
  const readyReplicas = statusNumber(obj, 'readyReplicas');
  if (statusNumber(obj, 'fullyLabeledReplicas') < replicas || available < replicas || readyReplicas < replicas) {
    return waiting(`Waiting for replicaset "${name}": ${available} of ${replicas} replicas available`);
  }
  const total = statusNumber(obj, 'replicas');
  if (total > replicas) return waiting(`Waiting for replicaset "${name}": ${total - replicas} extra replicas pending termination`);
  return ready(`replicaset "${name}" has ${available} available replica(s)`);
}
