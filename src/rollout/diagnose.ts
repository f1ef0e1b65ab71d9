import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../errors';
import { listObjects } from '../kube/objects';
import type { KubeObject } from '../kube/types';
import type { Diagnosis } from './events';
import type { StageEvaluation } from './evaluate';

interface KubeEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata: KubeObject['metadata'];
}

const EVENTS_SHOWN = 5;

/** The last events recorded about one object (pod or workload), oldest first. */
export async function lastEvents(kc: KubeConfig, namespace: string, name: string): Promise<Diagnosis['events']> {
  const list = await listObjects<KubeEvent>(kc, {
    apiVersion: 'v1',
    kind: 'Event',
    namespace,
    fieldSelector: `involvedObject.name=${name}`,
  });
  const when = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
  return list.items
    .sort((a, b) => when(a).localeCompare(when(b)))
    .slice(-EVENTS_SHOWN)
    .map((e) => ({ at: when(e) || undefined, type: e.type, reason: e.reason, message: e.message }));
}

/**
 * Names the culprit of a failed or timed-out stage: the first failed object (or, on a deadline, the first
 * one not ready), its stuck pod, the reason, and the last events of the pod (or of the workload).
 */
export async function diagnose(
  kc: KubeConfig,
  namespace: string,
  evaluation: StageEvaluation,
  deadline?: { stage: string; timeoutMs: number },
): Promise<Diagnosis> {
  const culprit = evaluation.objects.find((o) => o.readiness.failed) ?? evaluation.objects.find((o) => !o.readiness.done);
  const pending = evaluation.objects.filter((o) => !o.readiness.done || o.readiness.failed).map((o) => ({ object: o.object, message: o.readiness.message }));
  if (!culprit) return { object: '-', reason: 'Unknown', message: 'no object is failing', events: [], pending };
  const name = culprit.pod ?? culprit.object.split('/')[1]!;
  // Events explain the culprit; when they cannot be read the diagnosis says so instead of showing none.
  const events = await lastEvents(kc, namespace, name).catch((error: unknown) => [
    { type: 'Warning', reason: 'EventsUnavailable', message: `the events of ${name} could not be read: ${errorMessage(error)}` },
  ]);
  if (deadline && !culprit.readiness.failed) {
    return {
      object: culprit.object,
      reason: 'StageDeadlineExceeded',
      message: `stage "${deadline.stage}" was not ready within ${Math.round(deadline.timeoutMs / 1000)}s: ${culprit.readiness.message}`,
      events,
      pending,
    };
  }
  return {
    object: culprit.object,
    reason: culprit.reason ?? 'Failed',
    message: culprit.readiness.message,
    pod: culprit.pod,
    events,
    pending,
  };
}
