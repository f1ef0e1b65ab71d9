import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { withLock } from './lock';
import {
  BINARY_NAMES, binDir, ISTIO_BINARY_NAMES, ISTIO_RELEASE, istioBinaryPath, istioDir, istioManifestPath, meshCacheRoot, type IstioRelease,
} from './versions';

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function binariesPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  return BINARY_NAMES.every((name) => executable(path.join(binDir(env), name)));
}

export function istioPresent(env: NodeJS.ProcessEnv = process.env, release: IstioRelease = ISTIO_RELEASE): boolean {
  return ISTIO_BINARY_NAMES.every((name) => executable(istioBinaryPath(name, env, release))) && existsSync(istioManifestPath(env, release));
}

/** A build script of this checkout (scripts/<name>/build.sh), found from src/cluster (jest) or dist/ (bundled CLI). */
export function buildScriptPath(name: 'cluster' | 'istio' = 'cluster'): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'scripts', name, 'build.sh');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find scripts/${name}/build.sh above ${__dirname}`);
  }
}

/**
 * Makes sure the control-plane binaries exist, building them from the Go module proxy when missing
 * (tens of minutes cold, see docs/developer-guide/ci-time.md). Build progress lines go to `progress`. Returns the bin directory.
 */
export async function ensureBinaries(progress: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (binariesPresent(env)) return binDir(env);
  await withLock(path.join(meshCacheRoot(env), 'build.lock'), 'build', async () => {
    if (binariesPresent(env)) return;
    progress(`building etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok into ${binDir(env)} (cold: tens of minutes)`);
    await runBuild('cluster', progress, env);
  }, progress);
  if (!binariesPresent(env)) throw new Error(`the control-plane build finished but binaries are missing in ${binDir(env)}`);
  return binDir(env);
}

/** Makes sure istioctl, pilot-discovery and the rendered default profile exist (built from Go modules when missing). */
export async function ensureIstio(
  progress: (line: string) => void, env: NodeJS.ProcessEnv = process.env, release: IstioRelease = ISTIO_RELEASE,
): Promise<string> {
  if (istioPresent(env, release)) return istioDir(env, release);
  await withLock(path.join(meshCacheRoot(env), 'build.lock'), 'build', async () => {
    if (istioPresent(env, release)) return;
    progress(`building Istio ${release}'s istioctl and pilot-discovery (istiod) into ${istioDir(env, release)} (cold: several minutes)`);
    await runBuild('istio', progress, env, [release]);
  }, progress);
  if (!istioPresent(env, release)) throw new Error(`the Istio ${release} build finished but files are missing in ${istioDir(env, release)}`);
  return istioDir(env, release);
}

function runBuild(name: 'cluster' | 'istio', progress: (line: string) => void, env: NodeJS.ProcessEnv, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScriptPath(name), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        progress(line);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`scripts/${name}/build.sh failed (exit ${code}); last output:\n${tail.join('\n')}`));
    });
  });
}
