import type { KubeConfig } from '@kubernetes/client-node';
import { watchCollection, type CollectionWatch } from '../kube/watch';
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

  const snapshots = new Map<string, KubeObject[] | undefined>(collections.map((c) => [kindKey(c), undefined]));
  const live = (): LiveObjects => ({
    byKind: new Map([...snapshots].map(([k, v]) => [k, v ?? []])),
    pods: snapshots.get(kindKey(POD)) ?? [],
    endpointSlices: snapshots.get(kindKey(ENDPOINT_SLICE)) ?? [],
    failedCreateEvents: snapshots.get(kindKey(FAILED_CREATE)) ?? [],
    ...(needReplicaSets ? { replicaSets: snapshots.get(kindKey(REPLICA_SET)) ?? [] } : {}),
  });

  if (collections.length === 0) return evaluateStage(desired, live());

  return new Promise<StageEvaluation>((resolve) => {
    const watches: CollectionWatch[] = [];
    let settled = false;
    let latest: StageEvaluation | undefined;
    const finish = (evaluation: StageEvaluation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(rejudge);
      for (const w of watches) w.stop();
      resolve(evaluation);
    };
    const timer = setTimeout(() => finish(latest ?? evaluateStage(desired, live())), Math.max(0, untilMs - Date.now()));
    // Some rules depend on time (how long a pod has been Unschedulable): judge the cached objects again
    // now and then, without asking the API server.
    const rejudge = setInterval(() => judge(), REJUDGE_MS);
    const judge = () => {
      if (settled || [...snapshots.values()].some((s) => s === undefined)) return;
      latest = evaluateStage(desired, live());
      onEvaluation(latest);
      if (latest.status !== 'waiting') finish(latest);
    };
    for (const collection of collections) {
      watches.push(
        watchCollection(kc, { ...collection, namespace }, {
          onChange: (objects) => {
            if (settled) return;
            snapshots.set(kindKey(collection), objects);
            // judge() waits until every collection has been listed, or a missing list would read as "not there".
            judge();
          },
        }),
      );
    }
  });
}
