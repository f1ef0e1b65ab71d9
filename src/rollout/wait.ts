import type { KubeConfig } from '@kubernetes/client-node';
import { watchUntil } from '../kube/watch';
import type { KubeObject } from '../kube/types';
import { evaluateStage, kindKey, type LiveObjects, type StageEvaluation } from './evaluate';
import { hasReadinessRule, managesPods } from './readiness';

const POD = { apiVersion: 'v1', kind: 'Pod' };
const ENDPOINT_SLICE = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' };
// StatefulSet and DaemonSet controllers report pods they cannot create only as events on the workload.
const FAILED_CREATE = { apiVersion: 'v1', kind: 'Event', fieldSelector: 'reason=FailedCreate' };
const reportsFailedCreateByEvent = (obj: { apiVersion: string; kind: string }) =>
  obj.apiVersion === 'apps/v1' && (obj.kind === 'StatefulSet' || obj.kind === 'DaemonSet');
const REPLICA_SET = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
const REJUDGE_MS = 1000;

/**
 * Watches the stage's kinds (plus pods of its workloads and EndpointSlices of its Services) and resolves as
 * soon as the stage is ready or failed, or with the latest "waiting" evaluation when `untilMs` passes. Every
 * evaluation is reported to `onEvaluation` (for object-ready events).
 */
export async function waitForStage(
  kc: KubeConfig,
  namespace: string,
  desired: KubeObject[],
  untilMs: number,
  onEvaluation: (evaluation: StageEvaluation) => void,
): Promise<StageEvaluation> {
  const watched = desired.filter(hasReadinessRule);
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const obj of watched) kinds.set(kindKey(obj), { apiVersion: obj.apiVersion, kind: obj.kind });
  const needPods = watched.some(managesPods);
  const needSlices = watched.some((o) => o.kind === 'Service' && o.apiVersion === 'v1');
  const needReplicaSets = watched.some((o) => o.kind === 'Deployment' && o.apiVersion === 'apps/v1');
  const collections: { apiVersion: string; kind: string; fieldSelector?: string }[] = [...kinds.values()];
  if (needPods && !kinds.has(kindKey(POD))) collections.push(POD);
  if (needSlices) collections.push(ENDPOINT_SLICE);
  if (watched.some(reportsFailedCreateByEvent)) collections.push(FAILED_CREATE);
  if (needReplicaSets) collections.push(REPLICA_SET);

  const keys = collections.map(kindKey);
  const live = (snapshots: KubeObject[][]): LiveObjects => {
    const of = (c: { apiVersion: string; kind: string; fieldSelector?: string }) => snapshots[keys.indexOf(kindKey(c))] ?? [];
    return {
      byKind: new Map(keys.map((k, i) => [k, snapshots[i] ?? []])),
      pods: of(POD),
      endpointSlices: of(ENDPOINT_SLICE),
      failedCreateEvents: of(FAILED_CREATE),
      ...(needReplicaSets ? { replicaSets: of(REPLICA_SET) } : {}),
    };
  };

  if (collections.length === 0) return evaluateStage(desired, live([]));

  let latest: StageEvaluation | undefined;
  let snapshots: KubeObject[][] = [];
  return watchUntil<StageEvaluation>(kc, collections.map((c) => ({ ...c, namespace })), {
    judge: (collected) => {
      snapshots = collected;
      latest = evaluateStage(desired, live(collected));
      onEvaluation(latest);
      return latest.status !== 'waiting' ? { value: latest } : undefined;
    },
    deadline: { at: untilMs, settle: () => latest ?? evaluateStage(desired, live(snapshots)) },
    // Some rules depend on time (how long a pod has been Unschedulable): judge the cached objects again
    // now and then, without asking the API server.
    rejudgeMs: REJUDGE_MS,
  });
}
