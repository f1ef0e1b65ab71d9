import type { KubeConfig } from '@kubernetes/client-node';
import { listObjects } from '../kube/objects';
import type { KubeObject } from '../kube/types';
import { loadApp } from './catalog';
import { evaluateStage, kindKey, type LiveObjects } from './evaluate';
import { readLock, type LockInfo } from './lock';
import { placeStages } from './preflight';
import type { PlanStage } from './plan';
import { managesPods } from './readiness';

export interface AppStatus {
  app: string;
  namespace: string;
  /** The rollout in progress, if any. */
  lock?: LockInfo;
  stages: { name: string; ready: boolean; objects: { object: string; ready: boolean; failed: boolean; message: string }[] }[];
}

/**
 * Each stage's and object's readiness right now (one list per kind, no waiting). `planned`: the app's stages
 * when they do not come from the catalog (a Git app at a commit).
 */
export async function rolloutStatus(kc: KubeConfig, app: string, namespace: string, planned?: PlanStage[]): Promise<AppStatus> {
  const stages = await placeStages(kc, planned ?? loadApp(app).stages, namespace);
  const all = stages.flatMap((s) => s.objects);
  const kinds = new Map<string, KubeObject>(all.map((o) => [kindKey(o), o]));
  const list = async (apiVersion: string, kind: string) => (await listObjects(kc, { apiVersion, kind, namespace })).items;
  const byKind = new Map<string, KubeObject[]>();
  await Promise.all(
    [...kinds.values()].map(async (o) => byKind.set(kindKey(o), await list(o.apiVersion, o.kind))),
  );
  const live: LiveObjects = {
    byKind,
    pods: all.some(managesPods) ? await list('v1', 'Pod') : [],
    endpointSlices: all.some((o) => o.kind === 'Service') ? await list('discovery.k8s.io/v1', 'EndpointSlice') : [],
  };
  const lock = await readLock(kc, namespace, app);
  return {
    app,
    namespace,
    lock,
    stages: stages.map((s) => {
      const evaluation = evaluateStage(s.objects, live);
      return {
        name: s.name,
        ready: evaluation.status === 'ready',
        objects: evaluation.objects.map((o) => ({
          object: o.object,
          ready: o.readiness.done && !o.readiness.failed,
          failed: o.readiness.failed,
          message: o.readiness.message,
        })),
      };
    }),
  };
}
