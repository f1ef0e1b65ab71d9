// The Git adapter: resolve a ref on a remote, fetch a commit over smart HTTP into a local bare repository,
// read a directory's files at that commit. Pure JavaScript (isomorphic-git), no `git` binary at run time.
// Errors are one line naming the remote and what went wrong; credentials never appear in them.
import fs from 'node:fs';
import { posix } from 'node:path';
import * as git from 'isomorphic-git';
import { UserError } from '../errors';
import { isLoopbackHost } from '../loopback';
import { GitRedirectError, GitTransferLimitError, limitedHttp } from './http';

export interface GitRemote {
  url: string;
  /** HTTP Basic credentials (user name and token). */
  auth?: { username: string; password: string };
  timeoutMs?: number;
  /** Most bytes one fetch may download. */
  maxFetchBytes?: number;
}

export interface FileLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_FILE_LIMITS: FileLimits = { maxFiles: 1000, maxFileBytes: 1024 * 1024, maxTotalBytes: 8 * 1024 * 1024 };
export const DEFAULT_MAX_FETCH_BYTES = 64 * 1024 * 1024;
const SHA = /^[0-9a-f]{40}$/;

function headers(remote: GitRemote): Record<string, string> {
  if (!remote.auth) return {};
  // HTTP Basic sends the token as it is: never over plain http, except to the tests' loopback Git server.
  const url = new URL(remote.url);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new UserError(`${remote.url}: refusing to send Git credentials over ${url.protocol}// (clear text); use https://`);
  }
  return { authorization: `Basic ${Buffer.from(`${remote.auth.username}:${remote.auth.password}`).toString('base64')}` };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** One line for a failed remote operation; the token is scrubbed even if a library echoed it. */
function remoteError(remote: GitRemote, error: unknown): UserError {
  const e = error as { code?: string; data?: { statusCode?: number }; cause?: { code?: string; message?: string }; message?: string };
  let message: string;
  if (error instanceof GitTransferLimitError) message = `${remote.url} is over the size limit (${error.message}; at most ${error.limitBytes} bytes per fetch)`;
  else if (error instanceof GitRedirectError) message = `${remote.url} redirects elsewhere (${error.location}); register the final URL`;
  else if (e.code === 'HttpError' && (e.data?.statusCode === 401 || e.data?.statusCode === 403)) {
    message = `${remote.url} refused the credentials (HTTP ${e.data.statusCode})${remote.auth ? '' : '; the app has no credentials configured'}`;
  } else if (e.code === 'HttpError' && e.data?.statusCode === 404) message = `no repository at ${remote.url} (HTTP 404)`;
  else if (e.code === 'HttpError') message = `${remote.url} answered HTTP ${e.data?.statusCode ?? '?'}`;
  else if ((error as Error).name === 'TimeoutError' || e.cause?.code === 'UND_ERR_CONNECT_TIMEOUT') message = `cannot reach ${hostOf(remote.url)}: timed out`;
  else if ((error as Error).name === 'TypeError' && e.cause) message = `cannot reach ${hostOf(remote.url)}: ${e.cause.code ?? e.cause.message}`;
  else if (e.code === 'SmartHttpError' || e.code === 'ParseError') message = `${remote.url} is not a Git smart HTTP repository`;
  else message = `${remote.url}: ${(e.message ?? String(error)).split('\n')[0]}`;
  if (remote.auth?.password) message = message.split(remote.auth.password).join('***');
  return new UserError(message);
}

async function onRemote<T>(remote: GitRemote, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw remoteError(remote, error);
  }
}

/** The commit a branch, tag or full ref names on the remote right now (a 40-hex commit is taken as is). */
export async function resolveRemoteRef(remote: GitRemote, ref: string): Promise<string> {
  if (SHA.test(ref)) return ref;
  const http = limitedHttp({ timeoutMs: remote.timeoutMs ?? 15_000, maxBytes: remote.maxFetchBytes ?? DEFAULT_MAX_FETCH_BYTES });
  const refs = await onRemote(remote, () => git.listServerRefs({ http, url: remote.url, headers: headers(remote), peelTags: true, symrefs: true }));
  const candidates = ref === 'HEAD' ? ['HEAD'] : [ref, `refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of candidates) {
    const found = refs.find((r) => r.ref === name);
    if (found) return found.peeled ?? found.oid;
  }
  const branches = refs.filter((r) => r.ref.startsWith('refs/heads/')).map((r) => r.ref.slice('refs/heads/'.length));
  throw new UserError(`ref "${ref}" does not exist in ${remote.url} (branches: ${branches.slice(0, 10).join(', ') || 'none'})`);
}

async function hasCommit(gitdir: string, commit: string): Promise<boolean> {
  try {
    await git.readCommit({ fs, gitdir, oid: commit });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `commit` present in the bare repository `gitdir`, fetching `ref` from the remote if needed: first
 * shallow (the commit is usually the ref's tip), then the ref's whole history (a pinned commit the branch
 * has moved past), or every branch and tag when the ref is itself a commit.
 */
export async function ensureCommit(remote: GitRemote, gitdir: string, ref: string, commit: string): Promise<{ fetchedBytes: number }> {
  if (await hasCommit(gitdir, commit)) return { fetchedBytes: 0 };
  fs.mkdirSync(gitdir, { recursive: true });
  if (!fs.existsSync(posix.join(gitdir, 'HEAD'))) {
    await git.init({ fs, gitdir, bare: true });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: remote.url });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  }
  const http = limitedHttp({ timeoutMs: remote.timeoutMs ?? 60_000, maxBytes: remote.maxFetchBytes ?? DEFAULT_MAX_FETCH_BYTES });
  const attempts: Parameters<typeof git.fetch>[0][] = SHA.test(ref)
    ? [{ fs, http, gitdir, url: remote.url, singleBranch: false, tags: true }]
    : [
        { fs, http, gitdir, url: remote.url, ref, singleBranch: true, depth: 1, tags: false },
        { fs, http, gitdir, url: remote.url, ref, singleBranch: true, tags: false, relative: true, depth: 1_000_000 },
      ];
  for (const attempt of attempts) {
    await onRemote(remote, () => git.fetch({ ...attempt, headers: headers(remote) }));
    if (await hasCommit(gitdir, commit)) return { fetchedBytes: http.received() };
  }
  throw new UserError(`commit ${commit.slice(0, 12)} is not reachable from ${ref} in ${remote.url}`);
}

/** Whether a file of the app directory is read (manifests and plan.yaml); others are ignored. */
export type FileFilter = (file: string) => boolean;

/**
 * The files under `path` at `commit` that `accept` wants, relative to `path`. Symlinks are followed only to
 * files inside the checkout; submodules are refused; the limits bound the number and size of files read.
 */
export async function readFilesAt(gitdir: string, commit: string, path: string, accept: FileFilter, limits = DEFAULT_FILE_LIMITS): Promise<Record<string, string>> {
  // isomorphic-git re-reads the packfile index on every call unless the calls share a cache object.
  const cache = {};
  const files: Record<string, string> = {};
  let count = 0;
  let total = 0;
  const where = (file: string) => (path ? `${path}/${file}` : file);
  let root: Awaited<ReturnType<typeof git.readTree>>;
  try {
    root = await git.readTree({ fs, gitdir, cache, oid: commit, ...(path ? { filepath: path } : {}) });
  } catch {
    throw new UserError(`path "${path}" does not exist at commit ${commit.slice(0, 12)}, or is not a directory`);
  }
  const take = (file: string, content: Uint8Array) => {
    count += 1;
    total += content.byteLength;
    if (count > limits.maxFiles) throw new UserError(`${path || 'the repository'} has more than ${limits.maxFiles} manifest files (the limit)`);
    if (content.byteLength > limits.maxFileBytes) throw new UserError(`${where(file)} is ${content.byteLength} bytes, over the ${limits.maxFileBytes}-byte limit per file`);
    if (total > limits.maxTotalBytes) throw new UserError(`${path || 'the repository'} has more than ${limits.maxTotalBytes} bytes of manifests (the limit)`);
    files[file] = Buffer.from(content).toString('utf8');
  };
  const walk = async (entries: typeof root.tree, prefix: string): Promise<void> => {
    for (const entry of entries) {
      const file = prefix ? `${prefix}/${entry.path}` : entry.path;
      if (entry.type === 'tree') {
        const sub = await git.readTree({ fs, gitdir, cache, oid: entry.oid });
        await walk(sub.tree, file);
      } else if (entry.type === 'commit') {
        if (accept(file)) throw new UserError(`${where(file)} is a submodule; mesh reads manifests from one repository only`);
      } else if (!accept(file)) {
        continue;
      } else if (entry.mode === '120000') {
        take(file, await readLink(gitdir, commit, where(file), entry.oid, cache));
      } else {
        take(file, (await git.readBlob({ fs, gitdir, cache, oid: entry.oid })).blob);
      }
    }
  };
  await walk(root.tree, '');
  return files;
}

/** A symlink's target file, if it stays inside the checkout and is a regular file. */
async function readLink(gitdir: string, commit: string, file: string, oid: string, cache: object): Promise<Uint8Array> {
  const target = Buffer.from((await git.readBlob({ fs, gitdir, cache, oid })).blob).toString('utf8');
  const resolved = posix.normalize(posix.join(posix.dirname(file), target));
  if (posix.isAbsolute(target) || resolved === '..' || resolved.startsWith('../')) {
    throw new UserError(`${file} is a symlink to "${target}", outside the checkout; refused`);
  }
  try {
    const { blob, oid: targetOid } = await git.readBlob({ fs, gitdir, cache, oid: commit, filepath: resolved });
    const { tree } = await git.readTree({ fs, gitdir, cache, oid: commit, ...(posix.dirname(resolved) !== '.' ? { filepath: posix.dirname(resolved) } : {}) });
    if (tree.find((e) => e.oid === targetOid && e.path === posix.basename(resolved))?.mode === '120000') {
      throw new UserError(`${file} is a symlink to another symlink ("${target}"); refused`);
    }
    return blob;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file} is a symlink to "${target}", which is not a file in the checkout`);
  }
}
