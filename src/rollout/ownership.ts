// Which objects are mesh's to delete. Every object a rollout applies carries the annotation
// `mesh.dev/applied-by: <namespace>/<app>` (as kapp labels and Argo CD annotates what they apply); a rollback
// deletes an object only when its live copy still carries that exact mark — an object of the same name that
// someone else created, or that another app applied since, is left alone even if an older revision listed it.
import type { KubeObject } from '../kube/types';

export const APPLIED_BY_ANNOTATION = 'mesh.dev/applied-by';

/** The mark of an app: its namespace and name (an app is unique per namespace, as its lock is). */
export const ownerMark = (namespace: string, app: string) => `${namespace}/${app}`;

/** The object as mesh sends it: with the app's mark among its annotations. */
export function markApplied(obj: KubeObject, mark: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [APPLIED_BY_ANNOTATION]: mark } } };
}

/** Why a live object is not the app's to delete, or undefined when it is. */
export function notOurs(live: KubeObject, mark: string, rolloutNamespace: string): string | undefined {
  if (live.kind === 'Namespace' && live.metadata.name === rolloutNamespace) return 'it is the namespace the app is deployed to';
  const found = live.metadata.annotations?.[APPLIED_BY_ANNOTATION];
  if (found === mark) return undefined;
  return found === undefined ? `it does not carry mesh's mark (${APPLIED_BY_ANNOTATION}: ${mark}); someone else created it` : `it was applied by ${found}, not ${mark}`;
}
