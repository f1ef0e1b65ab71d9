import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { withLock } from './lock';
import { BINARY_NAMES, binDir, meshCacheRoot } from './versions';

export function binariesPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  return BINARY_NAMES.every((name) => {
    try {
      accessSync(path.join(binDir(env), name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** scripts/cluster/build.sh of this checkout, found from src/cluster (jest) or dist/ (bundled CLI). */
export function buildScriptPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'scripts', 'cluster', 'build.sh');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find scripts/cluster/build.sh above ${__dirname}`);
  }
}

/**
 * Makes sure the control-plane binaries exist, building them from the Go module proxy when missing
 * (tens of minutes cold, see README). Build progress lines go to `progress`. Returns the bin directory.
 */
export async function ensureBinaries(progress: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (binariesPresent(env)) return binDir(env);
  await withLock(path.join(meshCacheRoot(env), 'build.lock'), 'build', () => runBuild(progress, env), progress);
  if (!binariesPresent(env)) throw new Error(`the control-plane build finished but binaries are missing in ${binDir(env)}`);
  return binDir(env);
}

function runBuild(progress: (line: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  if (binariesPresent(env)) return Promise.resolve();
  progress(`building etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok into ${binDir(env)} (cold: tens of minutes)`);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScriptPath()], { env, stdio: ['ignore', 'ignore', 'pipe'] });
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
      else reject(new Error(`scripts/cluster/build.sh failed (exit ${code}); last output:\n${tail.join('\n')}`));
    });
  });
}
