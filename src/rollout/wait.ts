import type { KubeConfig } from '@kubernetes/client-node';
import { isNamespaced } from '../kube/resources';
import { watchUntil } from '../kube/watch';
import type { KindQuery, KubeObject } from '../kube/types';
import { evaluateStage, kindKey, type LiveObjects, type StageEvaluation } from './evaluate';
import { judgedFromApply, RELATED_QUERIES, watchedWith, type RelatedCollection } from './readiness';

const REJUDGE_MS = 1000;

/**
 * What to watch for a stage: every kind of its objects — each one is judged, whatever its kind (a ConfigMap
 * is ready once it exists, a Deployment once rolled out; only Secrets are judged from the apply, see
 * judgedFromApply) — plus the related collections their rules name (a Deployment's pods, a Service's
 * EndpointSlices). A kind with a single object in the stage is watched by name
 * (`metadata.name` field selector, served for every kind), unless it is also a related collection.
 */
export async function stageCollections(
  kc: KubeConfig,
  namespace: string,
  desired: KubeObject[],
): Promise<{ queries: KindQuery[]; related: Set<RelatedCollection> }> {
  const byKind = new Map<string, KubeObject[]>();
  for (const obj of desired.filter((o) => !judgedFromApply(o))) {
    const key = kindKey(obj);
    const same = byKind.get(key);
    if (same) same.push(obj);
    else byKind.set(key, [obj]);
  }
  const related = new Set<RelatedCollection>(desired.flatMap(watchedWith));
  const relatedKeys = new Set([...related].map((r) => kindKey(RELATED_QUERIES[r])));
  const queries: KindQuery[] = [];
  for (const [key, objects] of byKind) {
    const { apiVersion, kind } = objects[0]!;
    const namespaced = await isNamespaced(kc, apiVersion, kind);
    const one = objects.length === 1 && !relatedKeys.has(key) ? { fieldSelector: `metadata.name=${objects[0]!.metadata.name}` } : {};
    queries.push({ apiVersion, kind, ...(namespaced ? { namespace } : {}), ...one });
  }
  for (const name of related) {
    if (!byKind.has(kindKey(RELATED_QUERIES[name]))) queries.push({ ...RELATED_QUERIES[name], namespace });
  }
  return { queries, related };
}

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
  const { queries, related } = await stageCollections(kc, namespace, desired);
  const keys = queries.map(kindKey);
  const live = (snapshots: KubeObject[][]): LiveObjects => {
    const of = (c: { apiVersion: string; kind: string }) => snapshots[keys.indexOf(kindKey(c))] ?? [];
    return {
      byKind: new Map(keys.map((k, i) => [k, snapshots[i] ?? []])),
      pods: of(RELATED_QUERIES.pods),
      endpointSlices: of(RELATED_QUERIES.endpointSlices),
      failedCreateEvents: of(RELATED_QUERIES.failedCreateEvents),
      ...(related.has('replicaSets') ? { replicaSets: of(RELATED_QUERIES.replicaSets) } : {}),
    };
  };

  if (queries.length === 0) return evaluateStage(desired, live([]));

  let latest: StageEvaluation | undefined;
  let snapshots: KubeObject[][] = [];
  return watchUntil<StageEvaluation>(kc, queries, {
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
