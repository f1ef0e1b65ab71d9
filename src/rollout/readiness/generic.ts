// Readiness of any kind, custom resources included, from what every well-behaved controller writes: after
// kstatus (sigs.k8s.io/cli-utils pkg/kstatus/status, used by Flux, kpt and Config Sync) — a deletion in
// progress, a generation not observed yet, the Reconciling / Stalled conditions — plus the conditions the
// API's own kinds and most operators report readiness with (Ready, Available, Established). A kind with none
// of these (a ConfigMap, a ServiceAccount, a Role …) is ready once it exists as applied.
import type { KubeObject } from '../../kube/types';
import { condition, failure, ready, waiting, type Readiness } from './types';

const what = (obj: KubeObject) => `${obj.kind.toLowerCase()} "${obj.metadata.name}"`;

/** Being deleted (a finalizer still holds it): not the object the rollout applied. Every kind. */
export function terminating(obj: KubeObject): Readiness | undefined {
  return obj.metadata.deletionTimestamp ? waiting(`${what(obj)} is being deleted`) : undefined;
}

/**
 * kstatus's generic properties: status.observedGeneration, when the kind reports one, behind
 * metadata.generation; Stalled=True is a failure, Reconciling=True still in progress.
 */
export function genericProgress(obj: KubeObject): Readiness | undefined {
  const status = (obj.status ?? {}) as { observedGeneration?: unknown };
  const generation = obj.metadata.generation;
  if (typeof status.observedGeneration === 'number' && typeof generation === 'number' && status.observedGeneration < generation) {
    return waiting(`Waiting for ${what(obj)}: generation ${generation} not observed yet (observed ${status.observedGeneration})`);
  }
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return failure(`${what(obj)} is stalled: ${stalled.reason ?? 'Stalled'}${stalled.message ? `: ${stalled.message}` : ''}`);
  const reconciling = condition(obj, 'Reconciling');
  if (reconciling?.status === 'True') {
    return waiting(`Waiting for ${what(obj)} to reconcile${reconciling.message ? `: ${reconciling.message}` : ''}`);
  }
  return undefined;
}

/** The conditions that say "ready" for kinds mesh has no rule of its own for, in the order they are looked at. */
export const READY_CONDITIONS = ['Ready', 'Available', 'Established'];

/** Any kind without a rule of its own: the generic properties, then its Ready/Available/Established condition. */
export function genericReadiness(obj: KubeObject): Readiness {
  const progress = genericProgress(obj);
  if (progress) return progress;
  for (const type of READY_CONDITIONS) {
    const c = condition(obj, type);
    if (!c) continue;
    if (c.status === 'True') return ready(`${what(obj)} is ${type}`);
    return waiting(`Waiting for ${what(obj)} to be ${type}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`);
  }
  const hasStatus = obj.status !== undefined && obj.status !== null && Object.keys(obj.status as object).length > 0;
  return ready(hasStatus ? `${what(obj)} exists as applied (no ${READY_CONDITIONS.join('/')} condition)` : `${what(obj)} exists as applied`);
}
