// From a resolved app reference to a rollout: the source to pin in the rollout's state (a Git app at its
// commit, or a component's files), its stage names (parsing every file now, so a broken file is reported
// with file and line before anything changes), and the registry's limits on clusters and namespaces.
import { UserError } from '../errors';
import { stagesOfFiles } from '../rollout/app-files';
import { loadApp } from '../rollout/catalog';
import type { PlanStage } from '../rollout/plan';
import type { GitFilesLoader } from '../rollout/resolve';
import type { RolloutSource } from '../rollout/state';
import { NO_EXTRA_SCOPE, type AppScope } from '../rollout/scope';
import { namespaceAllowed, scopeOf, type AppEntry, type Registry } from './registry';
import type { ResolvedReference } from './resolve';
import { fileLabel, type Apps } from './index';

/** The stages of a resolved app or component, every file parsed (errors name file and line). */
export function stagesOf(resolved: ResolvedReference): PlanStage[] {
  const { snapshot, component } = resolved;
  if (!snapshot.revision) return loadApp(snapshot.app.name, undefined, component?.files).stages;
  return stagesOfFiles(snapshot.files, { label: (file) => fileLabel(snapshot, file), ...(component ? { only: component.files } : {}) });
}

export function rolloutSourceOf(resolved: ResolvedReference): { source: RolloutSource; stageNames: string[] } {
  const { snapshot, component } = resolved;
  const only = component ? { only: component.files } : {};
  const stageNames = stagesOf(resolved).map((s) => s.name);
  const app = snapshot.app.name;
  return { source: snapshot.revision ? { kind: 'git', app, ...snapshot.revision, ...only } : { kind: 'catalog', app, ...only }, stageNames };
}

/** The registry's `clusters` and `namespaces` of the app; a refusal names what is allowed. */
export function checkTarget(app: AppEntry, namespace: string, cluster: string | undefined): void {
  if (!namespaceAllowed(app, namespace)) {
    throw new UserError(`app ${app.name} may not go to namespace ${namespace} (the registry allows ${app.namespaces!.join(', ')})`);
  }
  if (app.clusters && cluster !== undefined && !app.clusters.includes(cluster)) {
    throw new UserError(`app ${app.name} may not go to cluster ${cluster} (the registry allows ${app.clusters.join(', ')})`);
  }
}

/** What a rollout of the app named `app` may touch beyond its namespace: the registry's limits, else nothing. */
export function registeredScope(registry: Registry, app: string): AppScope {
  const entry = registry.apps.find((a) => a.name === app);
  return entry ? scopeOf(entry, registry) : { ...NO_EXTRA_SCOPE, owner: `app ${app}, which ${registry.source} does not register,` };
}

/** Reads a rollout's Git app at its pinned commit, with the registry's current credentials for it. */
export function gitFilesLoader(apps: Apps): GitFilesLoader {
  return async (source) => {
    const app = apps.registry.apps.find((a) => a.name === source.app);
    if (!app || app.source.kind !== 'git' || app.source.repository !== source.repository) {
      throw new UserError(`app ${source.app} is no longer registered with repository ${source.repository}`);
    }
    const entry: AppEntry = { ...app, source: { ...app.source, ref: source.ref, path: source.path } };
    return (await apps.load(entry, source.commit)).files;
  };
}

/** `commit 1a2b3c4d5e6f (https://… deploy/ @ main)`, or undefined for the built-in catalog. */
export function describeRevision(resolved: { snapshot: { revision?: { commit: string; repository: string; ref: string; path: string } } }): string | undefined {
  const r = resolved.snapshot.revision;
  return r ? `commit ${r.commit.slice(0, 12)} (${r.repository}${r.path ? ` ${r.path}/` : ''} @ ${r.ref})` : undefined;
}
