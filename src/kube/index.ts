// The one Kubernetes adapter: every door and engine reaches the cluster through these functions (requests over
// discovery-resolved paths, apply/get/list/create/replace/patch/delete, ensureNamespace, list+watch and
// watchUntil, updateLease, node lookup, kubeconfig resolution, the 404/409/403 helpers). It knows no local dev
// cluster: a door that falls back to one passes its kubeconfig path (`resolveKubeConfig`'s `localCluster`).
// label-selector.ts is pure, so the injection engine may use it; kubeconfig-path.ts loads no Kubernetes client.
export { loadKubeconfigFiles, resolveKubeConfig, type ResolveOptions } from './config';
export { kubeconfigFiles, type KubeconfigFiles, type KubeconfigLookup } from './kubeconfig-path';
export { kubeletVersions } from './nodes';
export {
  serverSideApply, serverSideApplyWithResult, getObject, listObjects, createObject, replaceObject, deleteObject, patchObject, ensureNamespace,
  FIELD_MANAGER,
} from './objects';
export type { ApplyOptions, PatchType, EnsureNamespaceOptions } from './objects';
export { kubeRequest, kubeExchange, KubeApiError, isNotFound, isConflict, isForbidden, withPermission, type KubeStatus } from './request';
export { resourceInfo, collectionPath, objectPath, isNamespaced, UnservedKindError } from './resources';
export { watchCollection, watchUntil, type CollectionWatch, type WatchOptions, type WatchUntilOptions, type Verdict } from './watch';
export { type KubeObject, type KubeMetadata, type KubeList, type KindQuery, objectLabel } from './types';
