// Loads an app's files: the built-in catalog from the bundle, a Git app from its registered repository at
// the registered ref (or at a pinned commit, for every later step of a rollout), through the cache by commit.
import { appFiles } from '../rollout/catalog';
import type { AppEntry } from './registry';
import type { AppSnapshot } from './resolve';

export interface SourceOptions {
  env: NodeJS.ProcessEnv;
  /** Checkouts by commit: Lambda's /tmp, the CLI's ~/.cache/mesh/git. */
  cacheDir: string;
}

export type AppLoader = (app: AppEntry, commit?: string) => Promise<AppSnapshot>;

export function appLoader(options: SourceOptions): AppLoader {
  return async (app, commit) => {
    if (app.source.kind === 'builtin') return { app, files: appFiles(app.name) };
    const { fetchAppFiles } = await import('./git-source');
    return fetchAppFiles(app, app.source, options, commit);
  };
}
