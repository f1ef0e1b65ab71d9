// Adapter: asks a cluster whether native sidecars can be used (every node's kubelet ≥ 1.33), as
// Istio's DetectNativeSidecar does. Loaded lazily: only `--native-sidecars auto` with a kubeconfig.
import { existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

export { nativeSidecarsSupported } from './settings';

/** The kubeconfig file kubectl would use, when one exists. */
export function usableKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p && existsSync(p));
  if (fromEnv) return fromEnv;
  const home = env.HOME ?? os.homedir();
  const fallback = path.join(home, '.kube', 'config');
  return existsSync(fallback) ? fallback : undefined;
}

/** Each node's kubelet version by node name; undefined when the cluster cannot be asked in time. */
export async function kubeletVersions(kubeconfigPath: string, timeoutMs = 3000): Promise<Record<string, string> | undefined> {
  try {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const api = kc.makeApiClient(k8s.CoreV1Api);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      const list = await Promise.race([api.listNode(), timeout]);
      if (!list) return undefined;
      return Object.fromEntries(list.items.map((n) => [n.metadata?.name ?? '', n.status?.nodeInfo?.kubeletVersion ?? '']));
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return undefined;
  }
}
