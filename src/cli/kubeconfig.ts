// The cluster a CLI command talks to: mesh's one kubeconfig order (`--kubeconfig`, else the files of KUBECONFIG,
// else ~/.kube/config; src/kube/kubeconfig-path.ts), else the local cluster when it runs. The local cluster is the
// CLI's own fallback, so the Kubernetes adapter below knows no local cluster.
import type { KubeConfig } from '@kubernetes/client-node';
import { resolveKubeConfig } from '../kube/config';
import type { CliIO } from './io';

/** The running local cluster's kubeconfig path (never starts one). */
export async function runningLocalCluster(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { localClusterKubeconfig } = await import('../cluster/cluster');
  return localClusterKubeconfig(env);
}

export function commandKubeConfig(kubeconfig: string | undefined, io: CliIO): Promise<KubeConfig> {
  return resolveKubeConfig({ kubeconfig, env: io.env, cwd: io.cwd, localCluster: () => runningLocalCluster(io.env) });
}
