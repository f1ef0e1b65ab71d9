// The Node.js the Lambda functions run on (nodejs22.x), as a project-managed dev tool: the official binary as
// published on the npm registry (package node-<platform>-<arch>, checked against the registry's integrity by
// `npm pack`), unpacked once into the mesh cache and reused from there without any network.
// `node scripts/node22.mjs` installs it if needed and prints the path of its `node` binary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAMBDA_NODE_VERSION = '22.23.5';

/** The mesh cache (~/.cache/mesh, or MESH_CACHE_DIR): where project-managed tools live. */
export function cacheRoot(env = process.env) {
  return env.MESH_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'mesh');
}

function run(cmd, args, options) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr || '').trim().split('\n').pop()}`);
  return result.stdout;
}

/** The path of the Node 22 binary, installed into the cache on first use. */
export function ensureLambdaNode({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = path.join(cacheRoot(), `node-v${LAMBDA_NODE_VERSION}-${process.platform}-${process.arch}`);
  const binary = path.join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(binary)) return binary;
  const started = Date.now();
  log(`installing Node ${LAMBDA_NODE_VERSION} (${pkg} from the npm registry) into ${dir}`);
  mkdirSync(path.dirname(dir), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(dir), '.node-install-'));
  try {
    const packed = JSON.parse(run('npm', ['pack', `${pkg}@${LAMBDA_NODE_VERSION}`, '--json', '--pack-destination', work], { cwd: work }));
    run('tar', ['-xzf', path.join(work, packed[0].filename), '-C', work]);
    const version = run(path.join(work, 'package', 'bin', path.basename(binary)), ['--version']).trim();
    if (version !== `v${LAMBDA_NODE_VERSION}`) throw new Error(`${pkg}@${LAMBDA_NODE_VERSION} reports ${version}`);
    // Renamed into place last, so an interrupted install is never mistaken for a finished one.
    renameSync(path.join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`installed Node ${LAMBDA_NODE_VERSION} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return binary;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${ensureLambdaNode()}\n`);
}
