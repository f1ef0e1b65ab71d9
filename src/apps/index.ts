// Apps and clusters: the registry (built-in catalog + the team's Git repositories), name resolution, loading,
// named clusters. Of src/aws it uses the EKS cluster access and the secret readers (Git tokens), loaded only
// when a named EKS cluster or a token is needed.
import os from 'node:os';
import { meshCacheDir } from '../config';
import { UserError } from '../errors';
import path from 'node:path';
import { builtinRegistry, registryFromEnv, type AppEntry, type ClusterEntry, type Registry } from './registry';
import { resolveReference, type AppSnapshot, type ResolvedReference } from './resolve';
import { appLoader, type AppLoader } from './source';
import { formatGroupKind } from '../rollout/scope';

export * from './registry';
export { componentsOf, resolveReference, type AppSnapshot, type Component, type ResolvedReference, type Revision } from './resolve';
export type { AppLoader } from './source';

/** What a door knows about apps: the registry, and how to load an app (optionally at a pinned commit). */
export interface Apps {
  registry: Registry;
  load: AppLoader;
}

/** Where Git checkouts are cached: Lambda's /tmp, else MESH_CACHE_DIR or ~/.cache/mesh (as the cluster). */
export function gitCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.MESH_GIT_CACHE_DIR) return env.MESH_GIT_CACHE_DIR;
  if (env.AWS_LAMBDA_FUNCTION_NAME) return path.join(os.tmpdir(), 'mesh-git');
  return path.join(meshCacheDir(env), 'git');
}

export function appsFromEnv(env: NodeJS.ProcessEnv): Apps {
  return { registry: registryFromEnv(env), load: appLoader({ env, cacheDir: gitCacheDir(env) }) };
}

export function builtinApps(): Apps {
  return { registry: builtinRegistry(), load: appLoader({ env: {}, cacheDir: gitCacheDir({}) }) };
}

/**
 * Resolves a reference, loading each app at most once (a bare component name may look through all).
 * `commit` pins a Git app to that commit of its registered repository (the Apply button of a preview).
 */
export async function resolveApp(apps: Apps, reference: string, commit?: string): Promise<ResolvedReference> {
  const loaded = new Map<string, Promise<AppSnapshot>>();
  const load = (app: AppEntry) => {
    let snapshot = loaded.get(app.name);
    if (!snapshot) loaded.set(app.name, (snapshot = apps.load(app, commit)));
    return snapshot;
  };
  const resolved = await resolveReference(apps.registry, reference, load);
  if (commit && !resolved.snapshot.revision) throw new UserError(`${resolved.snapshot.app.name} is built-in; --commit applies to apps from Git`);
  return resolved;
}

/** How an app's file is named in messages: its path in the repository (or under infra/apps/). */
export function fileLabel(snapshot: AppSnapshot, file: string): string {
  if (!snapshot.revision) return `infra/apps/${snapshot.app.name}/${file}`;
  return snapshot.revision.path ? `${snapshot.revision.path}/${file}` : file;
}

/** What the registry lets the app touch: `clusters staging`, `namespaces shop-*`, `cluster-scoped Namespace`, … */
export function describeLimits(app: AppEntry): string[] {
  return [
    app.clusters ? `clusters ${app.clusters.join(', ') || "the door's own"}` : '',
    app.namespaces ? `namespaces ${app.namespaces.join(', ')}` : '',
    app.clusterResources?.length ? `cluster-scoped ${app.clusterResources.map(formatGroupKind).join(', ')}` : '',
    app.clusterRoles?.length ? `binds ClusterRoles ${app.clusterRoles.join(', ')}` : '',
  ].filter(Boolean);
}

/** `EKS <name> <endpoint>`, or `context <name> in <kubeconfig>`: how a registry cluster is reached. */
export function describeClusterTarget(cluster: ClusterEntry): string {
  const t = cluster.target;
  return t.kind === 'eks' ? `EKS ${t.clusterName} ${t.endpoint}` : `context ${t.context}${t.kubeconfig ? ` in ${t.kubeconfig}` : ''}`;
}

/** `built-in`, or `<repository> <path> @ <ref>` for a Git app. */
export function describeSource(app: AppEntry): string {
  if (app.source.kind === 'builtin') return 'built-in';
  return `${app.source.repository}${app.source.path ? ` ${app.source.path}/` : ''} @ ${app.source.ref}`;
}
