import { loadApp } from '../../src/rollout';
import type { KubeObject } from '../../src/kube/types';

/**
 * The catalog guestbook as plain files, one sync wave per plan stage (so `deploy -f` stages it the same way),
 * optionally edited per Deployment; `wave` is the stage's index.
 */
export function guestbookAsWaves(edit: (deployment: KubeObject, wave: number) => void = () => undefined) {
  return loadApp('guestbook').stages.map((stage, wave) => ({
    file: `${stage.name}.json`,
    text: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: stage.documents.map((d) => {
        const obj = structuredClone(d.object);
        obj.metadata.annotations = { ...obj.metadata.annotations, 'argocd.argoproj.io/sync-wave': String(wave) };
        if (obj.kind === 'Deployment') edit(obj, wave);
        return obj;
      }),
    }),
  }));
}
