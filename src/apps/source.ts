// Loads an app's files: the built-in catalog from the bundle, a Git app from its registered repository at
// the registered ref (or at a pinned commit, for every later step of a rollout), through the cache by commit.
import { appFiles } from '../rollout/catalog';
import type { AppEntry } from './registry';
import type { AppSnapshot } from './resolve';
// A type only: the Git adapter itself is imported on first use, so builtin-only doors never load it.
import type { SourceOptions } from './git-source';

export type AppLoader = (app: AppEntry, commit?: string) => Promise<AppSnapshot>;

export function appLoader(options: SourceOptions): AppLoader {
  return async (app, commit) => {
    if (app.source.kind === 'builtin') return { app, files: appFiles(app.name) };
    const { fetchAppFiles } = await import('./git-source');
    return fetchAppFiles(app, app.source, options, commit);
  };
}
