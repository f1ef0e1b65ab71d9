import type { KubeConfig } from '@kubernetes/client-node';
import { watchUntil } from '../kube/watch';
import type { KubeObject } from '../kube/types';
import { evaluateStage, kindKey, type LiveObjects, type StageEvaluation } from './evaluate';
import { hasReadinessRule, RELATED_QUERIES, watchedWith, type RelatedCollection } from './readiness';

const REJUDGE_MS = 1000;

/**
 * Watches the stage's kinds (plus the related collections their readiness rules name) and resolves as
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
  const related = new Set<RelatedCollection>(watched.flatMap(watchedWith));
  const collections: { apiVersion: string; kind: string; fieldSelector?: string }[] = [...kinds.values()];
  for (const name of related) if (!kinds.has(kindKey(RELATED_QUERIES[name]))) collections.push(RELATED_QUERIES[name]);

  const keys = collections.map(kindKey);
  const live = (snapshots: KubeObject[][]): LiveObjects => {
    const of = (c: { apiVersion: string; kind: string; fieldSelector?: string }) => snapshots[keys.indexOf(kindKey(c))] ?? [];
    return {
      byKind: new Map(keys.map((k, i) => [k, snapshots[i] ?? []])),
      pods: of(RELATED_QUERIES.pods),
      endpointSlices: of(RELATED_QUERIES.endpointSlices),
      failedCreateEvents: of(RELATED_QUERIES.failedCreateEvents),
      ...(related.has('replicaSets') ? { replicaSets: of(RELATED_QUERIES.replicaSets) } : {}),
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
