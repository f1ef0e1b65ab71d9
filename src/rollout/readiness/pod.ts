import type { KubeObject } from '../../kube/types';
import { condition, failure, ready, waiting, type Readiness } from './types';

/** Container waiting reasons that will not fix themselves: the rollout stops and reports them. */
export const FAILING_WAITING_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
]);

interface ContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

interface PodStatus {
  phase?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

/** How long a pod may stay Unschedulable (e.g. while a node registers) before the rollout gives up on it. */
export const UNSCHEDULABLE_GRACE_MS = 10_000;

/** Why a pod is stuck for good (a failing waiting reason, Unschedulable for a while, phase Failed), or undefined. */
export function podFailure(obj: KubeObject, now = Date.now()): { reason: string; message: string } | undefined {
  const status = (obj.status ?? {}) as PodStatus;
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const reason = container.state?.waiting?.reason;
    if (reason && FAILING_WAITING_REASONS.has(reason)) {
      const detail = container.state?.waiting?.message;
      return { reason, message: `container "${container.name}" is waiting: ${reason}${detail ? `: ${detail}` : ''}` };
    }
  }
  const scheduled = condition(obj, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = Date.parse(scheduled.lastTransitionTime ?? '');
    // The scheduler retries on every cluster change; only a pod unschedulable for a while is stuck.
    if (!Number.isFinite(since) || now - since >= UNSCHEDULABLE_GRACE_MS) {
      return { reason: 'Unschedulable', message: `pod cannot be scheduled: ${scheduled.message ?? 'Unschedulable'}` };
    }
  }
  if (status.phase === 'Failed') return { reason: 'Failed', message: 'pod failed' };
  return undefined;
}

/** v1 Pod: ready when its Ready condition is True (or it Succeeded); failed as podFailure says. */
export function podReadiness(obj: KubeObject): Readiness {
  const name = obj.metadata.name;
  const stuck = podFailure(obj);
  if (stuck) return failure(`pod "${name}": ${stuck.message}`);
  const phase = (obj.status as PodStatus | undefined)?.phase;
  if (phase === 'Succeeded') return ready(`pod "${name}" succeeded`);
  if (condition(obj, 'Ready')?.status === 'True') return ready(`pod "${name}" is ready`);
  return waiting(`Waiting for pod "${name}" to be ready (phase ${phase ?? 'Pending'})`);
}
