// A Git app's files at a commit: credentials from the environment, SSM or Secrets Manager (resolved here,
// never logged), the commit pinned once (the registered ref's tip) and the checkout cached by repository and commit, so
// every step of a rollout — in any Lambda sandbox — reads the same files.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { isManifestFile, PLAN_FILE } from '../rollout/app-files';
import { refusedCredentialVariable, type AppEntry, type AppSource, type GitCredentials } from './registry';
import type { AppSnapshot } from './resolve';

type GitSource = Extract<AppSource, { kind: 'git' }>;

export interface SourceOptions {
  env: NodeJS.ProcessEnv;
  /** Checkouts by commit: Lambda's /tmp, the CLI's ~/.cache/mesh/git. */
  cacheDir: string;
}

async function token(credentials: GitCredentials, app: string, env: NodeJS.ProcessEnv): Promise<string> {
  const ref = credentials.token;
  const what = `the Git token of app ${app}`;
  if ('env' in ref) {
    const refused = refusedCredentialVariable(ref.env);
    if (refused) throw new UserError(`${what}: credentials.env ${refused}`);
    const value = env[ref.env];
    if (!value) throw new UserError(`${what} is configured as environment variable ${ref.env}, which is not set`);
    return value;
  }
  const { readSecretsManager, readSsmParameter } = await import('../aws/secrets');
  return 'ssmParameter' in ref ? readSsmParameter(ref.ssmParameter, what, env) : readSecretsManager(ref.secretsManager, what, env);
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Reads a cached checkout, or undefined when there is none (or it is unreadable: then it is refetched). */
function readCache(file: string): Record<string, string> | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, files: Record<string, string>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(files));
  renameSync(temporary, file);
}

// One fetch at a time per local repository in this process (concurrent jobs of the console or a test).
const busy = new Map<string, Promise<unknown>>();
function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
  const run = (busy.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
  busy.set(key, run);
  return run.finally(() => {
    if (busy.get(key) === run) busy.delete(key);
  });
}

export async function fetchAppFiles(app: AppEntry, source: GitSource, options: SourceOptions, pinned?: string): Promise<AppSnapshot> {
  const git = await import('../git/repository');
  const remote = {
    url: source.repository,
    ...(source.credentials ? { auth: { username: source.credentials.username, password: await token(source.credentials, app.name, options.env) } } : {}),
  };
  const fail = (error: unknown): never => {
    if (error instanceof UserError) throw new UserError(`app ${app.name}: ${error.message}`);
    throw error;
  };
  const commit = pinned ?? (await git.resolveRemoteRef(remote, source.ref).catch(fail));
  // Keyed by repository too: a commit pinned by a user (`--commit`) must be read from the app's own repository,
  // never served from another repository's checkout of that id.
  const cacheFile = path.join(options.cacheDir, 'trees', digest(source.repository), `${commit}-${digest(source.path)}.json`);
  const gitdir = path.join(options.cacheDir, 'repos', `${digest(source.repository)}.git`);
  const files = readCache(cacheFile) ?? (await exclusive(gitdir, async () => {
    await git.ensureCommit(remote, gitdir, source.ref, commit).catch(fail);
    const read = await git.readFilesAt(gitdir, commit, source.path, (f) => isManifestFile(f) || f === PLAN_FILE).catch(fail);
    if (Object.keys(read).filter(isManifestFile).length === 0) {
      throw new UserError(`app ${app.name}: ${source.path || 'the repository'} at commit ${commit.slice(0, 12)} has no manifest files (*.yaml, *.yml, *.json)`);
    }
    writeCache(cacheFile, read);
    return read;
  }));
  return { app, files, revision: { repository: source.repository, ref: source.ref, commit, path: source.path } };
}
