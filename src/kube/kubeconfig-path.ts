// Which kubeconfig file kubectl would read, without loading a Kubernetes client: `mesh kube-inject` asks it on
// every run, and most runs never open a connection (its bundle keeps @kubernetes/client-node out until then).
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The kubeconfig file kubectl (and istioctl) would use, when one exists: the first existing file of KUBECONFIG,
 * else ~/.kube/config. `mesh kube-inject` asks the cluster istioctl would ask.
 */
export function kubectlKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p && existsSync(p));
  if (fromEnv) return fromEnv;
  const home = env.HOME ?? os.homedir();
  const fallback = path.join(home, '.kube', 'config');
  return existsSync(fallback) ? fallback : undefined;
}
