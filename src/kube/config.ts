// Which cluster a door talks to: the files of mesh's one kubeconfig lookup order (kubeconfig-path.ts), loaded and
// merged as kubectl merges them, else the door's own fallback (the CLI's and the console's local cluster).
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { errorMessage, UserError } from '../errors';
import { kubeconfigFiles, type KubeconfigFiles, type KubeconfigLookup } from './kubeconfig-path';

export interface ResolveOptions extends KubeconfigLookup {
  /**
   * The local dev cluster's kubeconfig path, or undefined when there is none: the doors that fall back to the
   * local cluster (the CLI, the console) pass it; the adapter knows no local cluster of its own.
   */
  localCluster?: () => Promise<string | undefined>;
}

function loadFile(file: string, origin: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${origin} ${file} does not exist`);
    throw new UserError(`${origin} ${file} is not a valid kubeconfig: ${errorMessage(error).split('\n')[0]}`);
  }
  return kc;
}

/**
 * The files loaded into one KubeConfig, merged as kubectl merges KUBECONFIG: the first file to set the current
 * context, or to name a cluster, user or context, wins (client-node's own merge lets the last file's current
 * context win and refuses a name given twice).
 */
export function loadKubeconfigFiles(found: KubeconfigFiles): KubeConfig {
  const loaded = found.files.map((file) => loadFile(file, found.origin));
  if (loaded.length === 1) return loaded[0]!;
  const firstOfEachName = <T extends { name: string }>(lists: T[][]): T[] => {
    const byName = new Map<string, T>();
    for (const item of lists.flat()) if (!byName.has(item.name)) byName.set(item.name, item);
    return [...byName.values()];
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstOfEachName<Cluster>(loaded.map((kc) => kc.getClusters())),
    users: firstOfEachName<User>(loaded.map((kc) => kc.getUsers())),
    contexts: firstOfEachName<Context>(loaded.map((kc) => kc.getContexts())),
    currentContext: loaded.map((kc) => kc.getCurrentContext()).find(Boolean) ?? '',
  });
  return merged;
}

/**
 * Which cluster a command talks to, in mesh's one order: `--kubeconfig`, else the files of KUBECONFIG (merged),
 * else ~/.kube/config, else the caller's local cluster (`localCluster`, the CLI's and the console's only);
 * otherwise a UserError saying how to get one.
 */
export async function resolveKubeConfig(options: ResolveOptions): Promise<KubeConfig> {
  const found = kubeconfigFiles(options);
  if (found) return withCurrentCluster(loadKubeconfigFiles(found), `${found.origin} ${found.files.join(', ')}`);
  const local = await options.localCluster?.();
  if (local) return withCurrentCluster(loadFile(local, 'the local cluster kubeconfig'), `the local cluster kubeconfig ${local}`);
  throw new UserError(options.localCluster
    ? 'no cluster: pass --kubeconfig <path>, set KUBECONFIG, or start the local cluster with `mesh cluster up`'
    : 'no cluster: pass --kubeconfig <path>, set KUBECONFIG, or write ~/.kube/config');
}

function withCurrentCluster(kc: KubeConfig, origin: string): KubeConfig {
  if (!kc.getCurrentCluster()) throw new UserError(`${origin} has no current context with a cluster`);
  return kc;
}
