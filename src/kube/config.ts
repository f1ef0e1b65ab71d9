import { existsSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage, UserError } from '../errors';

export interface ResolveOptions {
  /** `--kubeconfig <path>` */
  kubeconfig?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Path of the running local cluster's kubeconfig, or undefined when it is not running. */
  localCluster?: () => Promise<string | undefined>;
}

function loadFile(file: string, origin: string): KubeConfig {
  if (!existsSync(file)) throw new UserError(`${origin} ${file} does not exist`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (error) {
    throw new UserError(`${origin} ${file} is not a valid kubeconfig: ${errorMessage(error)}`);
  }
  if (!kc.getCurrentCluster()) throw new UserError(`${origin} ${file} has no current context with a cluster`);
  return kc;
}

/**
 * Which cluster a command talks to: `--kubeconfig`, else `KUBECONFIG` (first existing file of the list),
 * else the local control plane when it is running; otherwise a UserError saying how to get one.
 */
export async function resolveKubeConfig(options: ResolveOptions): Promise<KubeConfig> {
  const cwd = options.cwd ?? process.cwd();
  if (options.kubeconfig) return loadFile(path.resolve(cwd, options.kubeconfig), '--kubeconfig');
  const fromEnv = options.env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  if (fromEnv.length > 0) {
    const file = fromEnv.find((f) => existsSync(path.resolve(cwd, f))) ?? fromEnv[0]!;
    return loadFile(path.resolve(cwd, file), 'KUBECONFIG');
  }
  const local = await (options.localCluster ?? (() => runningLocalCluster(options.env)))();
  if (local) return loadFile(local, 'the local cluster kubeconfig');
  throw new UserError(
    'no cluster: pass --kubeconfig <path>, set KUBECONFIG, or start the local cluster with `mesh cluster up`',
  );
}

async function runningLocalCluster(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { localClusterKubeconfig } = await import('../cluster/cluster');
  return localClusterKubeconfig(env);
}
