import type { KubeConfig } from '@kubernetes/client-node';
import { kubeExchange, kubeRequest, isConflict, isNotFound, withPermission } from './request';
import { collectionPath, objectPath } from './resources';
import type { KindQuery, KubeList, KubeObject } from './types';

export const FIELD_MANAGER = 'mesh';

export interface ApplyOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

/**
 * Server-side apply (force, field manager `mesh`), with strict field validation so unknown or duplicate
 * fields are errors rather than silently dropped. With `dryRun` the server runs admission and validation
 * and persists nothing.
 */
export async function serverSideApply(kc: KubeConfig, obj: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
  return (await serverSideApplyWithResult(kc, obj, options)).object;
}

/** serverSideApply, also saying whether the object was created (HTTP 201) or already existed. */
export async function serverSideApplyWithResult(
  kc: KubeConfig,
  obj: KubeObject,
  options: ApplyOptions = {},
): Promise<{ object: KubeObject; created: boolean }> {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, ...metadata } = obj.metadata;
  const { statusCode, body } = await kubeExchange<KubeObject>(kc, {
    method: 'PATCH',
    path: await objectPath(kc, obj),
    query: {
      fieldManager: options.fieldManager ?? FIELD_MANAGER,
      force: true,
      fieldValidation: 'Strict',
      dryRun: options.dryRun ? 'All' : undefined,
    },
    contentType: 'application/apply-patch+yaml',
    body: { ...obj, metadata },
  });
  return { object: body, created: statusCode === 201 };
}

export async function getObject<T = KubeObject>(
  kc: KubeConfig,
  ref: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } },
): Promise<T | undefined> {
  try {
    return await kubeRequest<T>(kc, { method: 'GET', path: await objectPath(kc, ref) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Lists a collection; items get their apiVersion and kind back (list answers omit them). */
export async function listObjects<T = KubeObject>(kc: KubeConfig, query: KindQuery): Promise<KubeList<T>> {
  const list = await kubeRequest<KubeList<T>>(kc, {
    method: 'GET',
    path: await collectionPath(kc, query.apiVersion, query.kind, query.namespace),
    query: { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector },
  });
  return { ...list, items: list.items.map((item) => ({ ...item, apiVersion: query.apiVersion, kind: query.kind })) };
}

/**
 * Lists a collection if the cluster answers within `timeoutMs`; undefined when it does not, or refuses (no
 * permission, no such API): for lookups a caller can do without, falling back as offline istioctl would.
 */
export async function listObjectsWithin<T = KubeObject>(kc: KubeConfig, query: KindQuery, timeoutMs: number): Promise<KubeList<T> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([listObjects<T>(kc, query), timeout]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

export async function createObject<T = KubeObject>(kc: KubeConfig, obj: KubeObject, dryRun = false): Promise<T> {
  return kubeRequest<T>(kc, {
    method: 'POST',
    path: await collectionPath(kc, obj.apiVersion, obj.kind, obj.metadata.namespace),
    query: { fieldManager: FIELD_MANAGER, dryRun: dryRun ? 'All' : undefined },
    body: obj,
  });
}

/** Optimistic update: fails with 409 Conflict when `obj.metadata.resourceVersion` is stale. */
export async function replaceObject<T = KubeObject>(kc: KubeConfig, obj: KubeObject): Promise<T> {
  return kubeRequest<T>(kc, {
    method: 'PUT',
    path: await objectPath(kc, obj),
    query: { fieldManager: FIELD_MANAGER },
    body: obj,
  });
}

/**
 * Deletes as `kubectl delete` does: propagationPolicy Background, so what the object owns (a Job's pods, a
 * Deployment's ReplicaSets) is removed by the garbage collector after it — the API's own default for some kinds
 * (batch/v1 Job) is to orphan them. With a resourceVersion or uid, only that very object is deleted (409 if it
 * was replaced meanwhile). A missing object is not an error.
 */
export async function deleteObject(
  kc: KubeConfig,
  ref: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string; resourceVersion?: string; uid?: string } },
): Promise<void> {
  const { resourceVersion, uid } = ref.metadata;
  const preconditions = resourceVersion || uid ? { ...(resourceVersion ? { resourceVersion } : {}), ...(uid ? { uid } : {}) } : undefined;
  try {
    await kubeRequest(kc, {
      method: 'DELETE',
      path: await objectPath(kc, ref),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...(preconditions ? { preconditions } : {}) },
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export type PatchType = 'merge' | 'strategic' | 'json';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** A JSON merge, strategic merge or JSON patch of one object (a JSON patch is a list of operations). */
export async function patchObject<T = KubeObject>(
  kc: KubeConfig,
  ref: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } },
  type: PatchType,
  patch: unknown,
  options: { fieldManager?: string } = {},
): Promise<T> {
  return kubeRequest<T>(kc, {
    method: 'PATCH',
    path: await objectPath(kc, ref),
    contentType: PATCH_CONTENT_TYPE[type],
    query: { fieldManager: options.fieldManager },
    body: patch,
  });
}

export interface EnsureNamespaceOptions {
  labels?: Record<string, string>;
  /** Name the RBAC permission of each call, so a 403 says what is missing (see `withPermission`). */
  permissions?: { get: string; create: string };
}

/**
 * Reads a namespace, creating it when it does not exist; says which. A namespace created meanwhile by someone
 * else counts as existing, so concurrent callers all succeed.
 */
export async function ensureNamespace(
  kc: KubeConfig,
  name: string,
  options: EnsureNamespaceOptions = {},
): Promise<{ namespace: KubeObject; created: boolean }> {
  const ref = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  const guarded = <T>(permission: string | undefined, call: () => Promise<T>) => (permission ? withPermission(permission, call) : call());
  const read = () => guarded(options.permissions?.get, () => getObject(kc, ref));
  const existing = await read();
  if (existing) return { namespace: existing, created: false };
  try {
    const body = { ...ref, metadata: { name, ...(options.labels ? { labels: options.labels } : {}) } };
    return { namespace: await guarded(options.permissions?.create, () => createObject(kc, body)), created: true };
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  const raced = await read();
  if (!raced) throw new Error(`namespace ${name} was created and deleted again meanwhile`);
  return { namespace: raced, created: false };
}
