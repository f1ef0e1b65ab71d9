// AWS Lambda's execution layer as AWS ships it, for the "as deployed" tests (docs/lambda-as-deployed.md):
// - the Runtime Interface Emulator (RIE), built from its Go module (CGO_ENABLED=0) into the mesh cache, as
//   scripts/cluster/build.sh builds the control plane (same GOMODCACHE/GOCACHE);
// - the official Node runtime interface client (npm aws-lambda-ric, pinned with its lockfile in
//   scripts/lambda-ric/), installed once with the Lambda's Node 22 (scripts/node22.mjs) into the mesh cache. Its
//   install builds curl (autotools), aws-lambda-cpp (cmake) and a native addon (node-gyp against Node 22's own
//   headers, so nothing is downloaded); scripts/ensure-native-build.sh installs the Debian tools when missing.
// Both are renamed into place last, so an interrupted build is never mistaken for a finished one, and are then
// found in the cache with no network; on a cold cache they are built side by side (the Go build compiles in
// parallel while curl's configure runs its checks one by one). `node scripts/lambda-emulator.mjs` ensures all
// three and prints their paths as JSON ({ node, rie, ric }).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureLambdaNode, LAMBDA_NODE_VERSION } from './node22.mjs';

export const RIE_MODULE = 'github.com/aws/aws-lambda-runtime-interface-emulator';
export const RIE_VERSION = 'v0.0.0-20261030222936-bef5c4ba774d';
const RIE_PACKAGE = `${RIE_MODULE}/cmd/aws-lambda-rie`;

const scripts = path.dirname(fileURLToPath(import.meta.url));
const ricManifest = path.join(scripts, 'lambda-ric');

/** Runs a command to completion; on failure the error carries the end of its output. */
function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk).slice(-16_384);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${code ?? signal}):\n${output.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

const defaultLog = (line) => process.stderr.write(`${line}\n`);
const seconds = (started) => `${((Date.now() - started) / 1000).toFixed(1)} s`;

/** The path of the aws-lambda-rie binary, built from the Go module proxy on first use. */
export async function ensureRie({ log = defaultLog } = {}) {
  const root = cacheRoot();
  const dir = path.join(root, `aws-lambda-rie-${RIE_VERSION}`);
  const binary = path.join(dir, 'aws-lambda-rie');
  if (existsSync(binary)) return binary;
  const started = Date.now();
  log(`building aws-lambda-rie ${RIE_VERSION} (${RIE_PACKAGE}, CGO_ENABLED=0) into ${dir}`);
  mkdirSync(root, { recursive: true });
  const work = mkdtempSync(path.join(root, '.aws-lambda-rie-build-'));
  const env = {
    ...process.env,
    GOMODCACHE: path.join(root, 'go', 'mod'),
    GOCACHE: path.join(root, 'go', 'build'),
    GOFLAGS: '-modcacherw',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  try {
    // A wrapper module holding the tool, as scripts/cluster/build.sh builds etcd and kwok.
    await run('go', ['mod', 'init', 'local/aws-lambda-rie'], { cwd: work, env });
    await run('go', ['get', '-tool', `${RIE_PACKAGE}@${RIE_VERSION}`], { cwd: work, env });
    mkdirSync(path.join(work, 'bin'));
    await run('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(work, 'bin', 'aws-lambda-rie'), RIE_PACKAGE], { cwd: work, env });
    rmSync(dir, { recursive: true, force: true });
    renameSync(path.join(work, 'bin'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`built aws-lambda-rie in ${seconds(started)}`);
  return binary;
}

/** The path of aws-lambda-ric's entry point (index.mjs), installed with the Lambda's Node 22 on first use. */
export async function ensureRic({ log = defaultLog, node = ensureLambdaNode({ log }) } = {}) {
  const root = cacheRoot();
  const lock = readFileSync(path.join(ricManifest, 'package-lock.json'));
  const manifest = readFileSync(path.join(ricManifest, 'package.json'));
  const key = createHash('sha256').update(manifest).update(lock).digest('hex').slice(0, 12);
  const version = JSON.parse(manifest).dependencies['aws-lambda-ric'];
  const dir = path.join(root, `aws-lambda-ric-${version}-node${LAMBDA_NODE_VERSION}-${process.platform}-${process.arch}-${key}`);
  const entry = path.join(dir, 'node_modules', 'aws-lambda-ric', 'index.mjs');
  if (existsSync(entry)) return entry;
  const started = Date.now();
  log(`installing aws-lambda-ric ${version} for Node ${LAMBDA_NODE_VERSION} (builds its native addon) into ${dir}`);
  await run('sh', [path.join(scripts, 'ensure-native-build.sh')]);
  mkdirSync(root, { recursive: true });
  const work = mkdtempSync(path.join(root, '.aws-lambda-ric-install-'));
  try {
    copyFileSync(path.join(ricManifest, 'package.json'), path.join(work, 'package.json'));
    copyFileSync(path.join(ricManifest, 'package-lock.json'), path.join(work, 'package-lock.json'));
    // npm runs on Node 22 (first on PATH, which `#!/usr/bin/env node` follows), so node-gyp compiles for Node
    // 22's ABI; nodedir points node-gyp at the headers that come with that Node (no header download).
    await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: work,
      env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: path.dirname(path.dirname(node)) },
    });
    const installed = path.join(work, 'node_modules', 'aws-lambda-ric');
    if (!existsSync(path.join(installed, 'rapid-client.node'))) throw new Error(`aws-lambda-ric ${version} installed without its native addon (rapid-client.node)`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  log(`installed aws-lambda-ric in ${seconds(started)}`);
  return entry;
}

/** Node 22, RIE and the runtime interface client: everything a function needs to run as on Lambda. */
export async function ensureLambdaEmulator({ log = defaultLog } = {}) {
  const node = ensureLambdaNode({ log });
  const [rie, ric] = await Promise.all([ensureRie({ log }), ensureRic({ log, node })]);
  return { node, rie, ric };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await ensureLambdaEmulator())}\n`);
}
