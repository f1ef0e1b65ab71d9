/**
 * A real Git server on loopback for tests: Git's own git-http-backend (CGI, from Debian's git package, which
 * scripts/ensure-git.sh installs when missing) behind a small Node HTTP server that demands a token (HTTP
 * Basic with the token as password, or Bearer). Tests make commits with the git CLI (fixture tooling only;
 * mesh itself never runs git) and push them into the served bare repositories.
 *
 *   const server = await startGitServer({ token: 's3cret' });
 *   const repo = await server.createRepository('shop');      // bare repo + a work tree to commit from
 *   await repo.commit({ 'k8s/web.yaml': '…' }, 'first');       // writes files (null deletes), commits, pushes
 *   repo.url                                                   // http://127.0.0.1:<port>/shop.git
 *   server.requests                                            // every request's method, path and status
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface GitRepository {
  url: string;
  /** Writes (string), symlinks ({ symlink: target }) or deletes (null) files, commits and pushes; returns the commit. */
  commit(files: Record<string, string | { symlink: string } | null>, message: string, branch?: string): string;
  tag(name: string): void;
}

export interface GitServer {
  url: string;
  requests: { method: string; path: string; status: number }[];
  createRepository(name: string): GitRepository;
  close(): Promise<void>;
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr || result.error?.message}`);
  return result.stdout.trim();
}

export function ensureGit(): string {
  // From the test tree, or from the project root when a benchmark bundles this file elsewhere.
  const script = [path.join(__dirname, '../../scripts/ensure-git.sh'), path.resolve('scripts/ensure-git.sh')].find((f) => existsSync(f))!;
  const setup = spawnSync('sh', [script], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(`git is not available for the test Git server: ${setup.stderr}`);
  return path.join(git(process.cwd(), '--exec-path'), 'git-http-backend');
}

function authorized(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  if (header === `Bearer ${token}`) return true;
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === token;
}

/** Runs git-http-backend as CGI for one request and relays its answer. */
function serveCgi(backend: string, root: string, request: IncomingMessage, response: ServerResponse, done: (status: number) => void): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const child = spawn(backend, [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      REMOTE_USER: 'test',
      REMOTE_ADDR: '127.0.0.1',
      ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
    },
  });
  request.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else response.setHeader(name, value);
    }
    response.statusCode = status;
    headersSent = true;
    response.write(head.subarray(end + 4));
  });
  child.on('close', () => {
    response.end();
    done(response.statusCode);
  });
}

export async function startGitServer(options: { token: string }): Promise<GitServer> {
  const backend = ensureGit();
  const root = mkdtempSync(path.join(os.tmpdir(), 'mesh-git-server-'));
  const requests: GitServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    const record = (status: number) => requests.push({ method: request.method ?? '', path: request.url ?? '', status });
    if (!authorized(request, options.token)) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('authentication required');
      record(401);
      return;
    }
    serveCgi(backend, root, request, response, record);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    createRepository(name) {
      const bare = path.join(root, `${name}.git`);
      git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
      const work = path.join(root, `${name}-work`);
      git(root, 'init', '--quiet', '--initial-branch=main', work);
      git(work, 'remote', 'add', 'origin', bare);
      return {
        url: `${url}/${name}.git`,
        commit(files, message, branch = 'main') {
          const current = spawnSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: work, encoding: 'utf8' }).stdout.trim();
          if (current !== branch) git(work, 'checkout', '--quiet', '-B', branch);
          for (const [file, content] of Object.entries(files)) {
            const full = path.join(work, file);
            rmSync(full, { force: true });
            if (content === null) continue;
            mkdirSync(path.dirname(full), { recursive: true });
            if (typeof content === 'string') writeFileSync(full, content);
            else symlinkSync(content.symlink, full);
          }
          git(work, 'add', '--all');
          git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
          git(work, 'push', '--quiet', '--force', 'origin', branch);
          return git(work, 'rev-parse', 'HEAD');
        },
        tag(tagName) {
          git(work, 'tag', '-a', '-m', tagName, tagName);
          git(work, 'push', '--quiet', 'origin', tagName);
        },
      };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

