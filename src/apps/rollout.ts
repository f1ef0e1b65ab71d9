// From a resolved app reference to a rollout: the source to pin in the rollout's state (a Git app at its
// commit, or a component's files), its stage names (parsing every file now, so a broken file is reported
// with file and line before anything changes), and the registry's limits on clusters and namespaces.
import { UserError } from '../errors';
import { stagesOfFiles } from '../rollout/app-files';
import { loadApp } from '../rollout/catalog';
import type { GitFilesLoader } from '../rollout/resolve';
import type { RolloutSource } from '../rollout/state';
import { namespaceAllowed, type AppEntry } from './registry';
import type { ResolvedReference } from './resolve';
import { fileLabel, type Apps } from './index';

export function rolloutSourceOf(resolved: ResolvedReference): { source: RolloutSource; stageNames: string[] } {
  const { snapshot, component } = resolved;
  const only = component ? { only: component.files } : {};
  const name = snapshot.app.name;
  if (!snapshot.revision) {
    return { source: { kind: 'catalog', app: name, ...only }, stageNames: loadApp(name, undefined, component?.files).stages.map((s) => s.name) };
  }
  const stages = stagesOfFiles(snapshot.files, { label: (file) => fileLabel(snapshot, file), ...only });
  return { source: { kind: 'git', app: name, ...snapshot.revision, ...only }, stageNames: stages.map((s) => s.name) };
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
