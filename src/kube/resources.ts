import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors';
import { isNotFound, kubeRequest } from './request';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

export interface ResourceInfo {
  /** `/api/v1` or `/apis/<group>/<version>` */
  groupVersionPath: string;
  plural: string;
  namespaced: boolean;
  /** What the API server allows on it (get, list, watch, patch …), as discovery says. */
  verbs: string[];
}

/** The apiVersion or kind is not served by this cluster (removed, misspelt, or its CRD is not installed). */
export class UnservedKindError extends UserError {}

// Discovery answers per KubeConfig and group/version; a rollout resolves the same few kinds many times.
const discovery = new WeakMap<KubeConfig, Map<string, Promise<ApiResource[] | undefined>>>();

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

async function resourcesOf(kc: KubeConfig, apiVersion: string): Promise<ApiResource[] | undefined> {
  let cache = discovery.get(kc);
  if (!cache) discovery.set(kc, (cache = new Map()));
  let entry = cache.get(apiVersion);
  if (!entry) {
    entry = kubeRequest<{ resources: ApiResource[] }>(kc, { method: 'GET', path: groupVersionPath(apiVersion) }).then(
      (list) => list.resources,
      (error: unknown) => {
        if (isNotFound(error)) return undefined;
        cache.delete(apiVersion);
        throw error;
      },
    );
    cache.set(apiVersion, entry);
  }
  return entry;
}

/** Resolves a kind to its REST path through discovery; unknown versions and kinds are UnservedKindErrors. */
export async function resourceInfo(kc: KubeConfig, apiVersion: string, kind: string): Promise<ResourceInfo> {
  const resources = await resourcesOf(kc, apiVersion);
  if (!resources) {
    throw new UnservedKindError(`apiVersion ${apiVersion} is not served by this cluster (removed or not installed)`);
  }
  const resource = resources.find((r) => r.kind === kind && !r.name.includes('/'));
  if (!resource) throw new UnservedKindError(`kind ${kind} is not served by ${apiVersion} on this cluster`);
  return { groupVersionPath: groupVersionPath(apiVersion), plural: resource.name, namespaced: resource.namespaced, verbs: resource.verbs ?? [] };
}

/**
 * Forgets what discovery said about `apiVersion`: a CustomResourceDefinition just established adds a kind (or a
 * whole group) that an earlier answer, cached, would still call unserved.
 */
export function forgetDiscovery(kc: KubeConfig, apiVersion: string): void {
  discovery.get(kc)?.delete(apiVersion);
}

/** The collection path (for list and watch) of a kind, in one namespace or cluster-wide. */
export async function collectionPath(kc: KubeConfig, apiVersion: string, kind: string, namespace?: string): Promise<string> {
  const info = await resourceInfo(kc, apiVersion, kind);
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${info.groupVersionPath}${ns}/${info.plural}`;
}

export async function objectPath(
  kc: KubeConfig,
  obj: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } },
): Promise<string> {
  const info = await resourceInfo(kc, obj.apiVersion, obj.kind);
  if (info.namespaced && !obj.metadata.namespace) {
    throw new Error(`${obj.kind} ${obj.metadata.name} is namespaced but has no namespace`);
  }
  const ns = info.namespaced ? `/namespaces/${encodeURIComponent(obj.metadata.namespace!)}` : '';
  return `${info.groupVersionPath}${ns}/${info.plural}/${encodeURIComponent(obj.metadata.name ?? '')}`;
}

export async function isNamespaced(kc: KubeConfig, apiVersion: string, kind: string): Promise<boolean> {
  return (await resourceInfo(kc, apiVersion, kind)).namespaced;
}
