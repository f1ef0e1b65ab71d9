// Cold fetch of an app from Git: a repository with 1,000 manifest files served by Git's own
// git-http-backend on loopback (with a token), fetched by mesh's pure-JS client (resolve the ref, shallow
// fetch, read the files, cache by commit) with an empty cache, against the peer `git clone --depth 1` of
// the same repository by the git CLI in the same run. Median of 3 runs each.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTs } from '../bench-support/load-ts.mjs';

export const name = 'git (cold fetch of a 1,000-file app)';

const TOKEN = 'bench-token';
const FILES = 1000;

const manifest = (i) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  labels: {app: app-${i}}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: app-${i}}\n  template:\n    metadata:\n      labels: {app: app-${i}}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/team/app-${i}:1.0.${i}\n        ports:\n        - containerPort: 8080\n`;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export default async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-git-'));
  const lib = await loadTs(dir, 'git-bench', `
    export { startGitServer } from './test/support/git-server';
    export { fetchAppFiles } from './src/apps/git-source';
  `);
  const server = await lib.startGitServer({ token: TOKEN });
  try {
    const repo = server.createRepository('big');
    const files = Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`k8s/app-${String(i).padStart(4, '0')}.yaml`, manifest(i)]));
    repo.commit({ ...files, 'README.md': '# big\n' }, 'a thousand apps');
    const app = { name: 'big', source: { kind: 'git', repository: repo.url, ref: 'main', path: 'k8s', credentials: { username: 'x-access-token', token: { env: 'BENCH_TOKEN' } } } };
    const mesh = [];
    const warm = [];
    const peer = [];
    let bytes = 0;
    for (let run = 0; run < 3; run += 1) {
      const cacheDir = path.join(dir, `cache-${run}`);
      const options = { env: { BENCH_TOKEN: TOKEN }, cacheDir };
      let snapshot;
      mesh.push(await timed(async () => (snapshot = await lib.fetchAppFiles(app, app.source, options))));
      if (Object.keys(snapshot.files).length !== FILES) throw new Error(`read ${Object.keys(snapshot.files).length} files, expected ${FILES}`);
      bytes = Object.values(snapshot.files).reduce((n, t) => n + t.length, 0);
      warm.push(await timed(() => lib.fetchAppFiles(app, app.source, options)));
      const clone = path.join(dir, `clone-${run}`);
      // Asynchronous: the Git server runs in this very process.
      peer.push(await timed(() => promisify(execFile)('git', ['-c', `http.extraHeader=Authorization: Bearer ${TOKEN}`, 'clone', '--quiet', '--depth', '1', repo.url, clone])));
    }
    const m = median(mesh);
    const p = median(peer);
    return [
      `repository: ${FILES} manifest files (${(bytes / 1024).toFixed(0)} KiB) under k8s/, one commit, git-http-backend on loopback with a token`,
      `mesh cold fetch (ls-refs, shallow fetch, read ${FILES} files, cache write; empty cache): median ${m.toFixed(0)} ms (runs: ${mesh.map((t) => t.toFixed(0)).join(', ')})`,
      `mesh again with the commit cached (ls-refs + cache read): median ${median(warm).toFixed(0)} ms`,
      `peer \`git clone --depth 1\` (git CLI, checkout included): median ${p.toFixed(0)} ms → mesh is ${(m / p).toFixed(2)}× the git CLI`,
    ];
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
