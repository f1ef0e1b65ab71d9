// The shared Kubernetes adapter: every door and engine reaches the cluster through these functions.
export { resolveKubeConfig, type ResolveOptions } from './config';
export { serverSideApply, serverSideApplyWithResult, getObject, listObjects, createObject, replaceObject, deleteObject, FIELD_MANAGER } from './objects';
export type { ApplyOptions } from './objects';
export { kubeRequest, kubeExchange, KubeApiError, isNotFound, isConflict, type KubeStatus } from './request';
export { resourceInfo, collectionPath, objectPath, isNamespaced, UnservedKindError } from './resources';
export { watchCollection, type CollectionWatch, type WatchOptions } from './watch';
export { type KubeObject, type KubeMetadata, type KubeList, type KindQuery, objectLabel } from './types';
