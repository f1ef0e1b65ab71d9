// Named clusters: `--cluster prod` (or the registry's default) → a KubeConfig — an EKS cluster for the Lambda
// worker, a kubeconfig context for the CLI and console. Without named clusters the door's own cluster is used
// (MESH_EKS_*, KUBECONFIG, the local cluster). A cluster that cannot be reached is reported by name.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeconfigFiles } from '../kube/kubeconfig-path';
import { suggest } from '../command/suggest';
import { awsRegion } from '../config';
import { errorMessage, UserError } from '../errors';
import { connectionErrorCode } from '../kube/unreachable';
import type { ClusterEntry, Registry } from './registry';
import { memoiseUntilFailure } from '../memoise';

/** Which registered cluster a command means: the one named, else the default; undefined = the door's own. */
export function clusterEntry(registry: Registry, name: string | undefined): ClusterEntry | undefined {
  const wanted = name ?? registry.defaultCluster;
  if (wanted === undefined) return undefined;
  const names = registry.clusters.map((c) => c.name);
  const found = registry.clusters.find((c) => c.name === wanted);
  if (found) return found;
  if (names.length === 0) throw new UserError(`no clusters are registered (${registry.source}), so there is no cluster "${wanted}"; leave out --cluster`);
  const guess = suggest(wanted, names);
  throw new UserError(`no cluster named "${wanted}"${guess ? `; did you mean "${guess}"?` : ''} (clusters: ${names.join(', ')})`);
}

const expandHome = (file: string) => (file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file);

async function contextKubeConfig(entry: ClusterEntry & { target: { kind: 'context' } }, env: NodeJS.ProcessEnv): Promise<KubeConfig> {
  const { kubeconfigFiles, loadKubeconfigFiles } = await import('../kube');
  // The entry's own kubeconfig file, else the files of the one lookup order (KUBECONFIG merged, ~/.kube/config).
  let found: KubeconfigFiles | undefined;
  if (entry.target.kubeconfig) {
    const file = path.resolve(expandHome(entry.target.kubeconfig));
    if (!existsSync(file)) throw new UserError(`cluster ${entry.name}: kubeconfig ${file} does not exist`);
    found = { origin: 'kubeconfig', files: [file] };
  } else {
    try {
      found = kubeconfigFiles({ env });
    } catch (error) {
      throw new UserError(`cluster ${entry.name}: ${errorMessage(error)}`);
    }
  }
  if (!found) throw new UserError(`cluster ${entry.name}: no kubeconfig (set KUBECONFIG, write ~/.kube/config, or give the cluster's kubeconfig in the registry)`);
  let kc: KubeConfig;
  try {
    kc = loadKubeconfigFiles(found);
  } catch (error) {
    throw new UserError(`cluster ${entry.name}: ${errorMessage(error)}`);
  }
  if (!kc.getContextObject(entry.target.context)) {
    throw new UserError(`cluster ${entry.name}: ${found.files.join(', ')} has no context "${entry.target.context}" (contexts: ${kc.getContexts().map((c) => c.name).join(', ')})`);
  }
  kc.setCurrentContext(entry.target.context);
  return kc;
}

/**
 * The KubeConfig of a named cluster (or the registry's default); `own` is the door's cluster when the
 * registry names none.
 */
export async function clusterKubeConfig(registry: Registry, name: string | undefined, env: NodeJS.ProcessEnv, own: () => Promise<KubeConfig>): Promise<KubeConfig> {
  const entry = clusterEntry(registry, name);
  if (!entry) return own();
  if (entry.target.kind === 'context') return contextKubeConfig(entry as ClusterEntry & { target: { kind: 'context' } }, env);
  const region = entry.target.region ?? awsRegion(env);
  if (!region) throw new UserError(`cluster ${entry.name}: no region (set eks.region or AWS_REGION)`);
  const { eksKubeConfig } = await import('../aws/eks');
  const { clusterName, endpoint, caData } = entry.target;
  return eksKubeConfig({ clusterName, endpoint, caData, region }, { env });
}

/** "cluster prod is unreachable (ECONNREFUSED at https://…)" for a connection failure, else undefined. */
export function unreachableCluster(error: unknown, cluster: string | undefined, server?: string): string | undefined {
  const code = connectionErrorCode(error);
  if (code === undefined) return undefined;
  return `cluster ${cluster ?? '(default)'} is unreachable (${code}${server ? ` at ${server}` : ''}); nothing was changed by this step`;
}

/** `kube(cluster?)` for a door: each named cluster's KubeConfig made once (a failure is retried next time). */
export function clusterResolver(registry: () => Registry, env: NodeJS.ProcessEnv, own: () => Promise<KubeConfig>): (cluster?: string) => Promise<KubeConfig> {
  const perCluster = new Map<string, () => Promise<KubeConfig>>();
  return (cluster) => {
    const key = cluster ?? '';
    let kubeConfigOf = perCluster.get(key);
    if (!kubeConfigOf) {
      kubeConfigOf = memoiseUntilFailure(async () => clusterKubeConfig(registry(), cluster, env, own));
      perCluster.set(key, kubeConfigOf);
    }
    return kubeConfigOf();
  };
}
