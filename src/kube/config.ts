import { existsSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage, UserError } from '../errors';

export interface ResolveOptions {
  /** `--kubeconfig <path>` */
  kubeconfig?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * The local dev cluster's kubeconfig path, or undefined when there is none: the doors that fall back to the
   * local cluster (the CLI, the console) pass it; the adapter knows no local cluster of its own.
   */
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
 * else the caller's local cluster (`localCluster`); otherwise a UserError saying how to get one.
 */
export async function resolveKubeConfig(options: ResolveOptions): Promise<KubeConfig> {
  const cwd = options.cwd ?? process.cwd();
  if (options.kubeconfig) return loadFile(path.resolve(cwd, options.kubeconfig), '--kubeconfig');
  const fromEnv = options.env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  if (fromEnv.length > 0) {
    const file = fromEnv.find((f) => existsSync(path.resolve(cwd, f))) ?? fromEnv[0]!;
    return loadFile(path.resolve(cwd, file), 'KUBECONFIG');
  }
  const local = await options.localCluster?.();
  if (local) return loadFile(local, 'the local cluster kubeconfig');
  throw new UserError(
    'no cluster: pass --kubeconfig <path>, set KUBECONFIG, or start the local cluster with `mesh cluster up`',
  );
}
