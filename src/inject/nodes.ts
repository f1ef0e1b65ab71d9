// Adapter: asks a cluster whether native sidecars can be used (every node's kubelet ≥ 1.33), as
// Istio's DetectNativeSidecar does. Loaded lazily: only `--native-sidecars auto` with a kubeconfig.
import { existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

/** Native sidecars need kubelet ≥ 1.33 on every node; no nodes (or an unparsable version) means no. */
export function nativeSidecarsSupported(kubeletVersions: string[]): boolean {
  if (kubeletVersions.length === 0) return false;
  return kubeletVersions.every((v) => {
    const m = /^v?(\d+)\.(\d+)/.exec(v);
    return m !== null && (Number(m[1]) > 1 || (Number(m[1]) === 1 && Number(m[2]) >= 33));
  });
}

/** The kubeconfig file kubectl would use, when one exists. */
export function usableKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p && existsSync(p));
  if (fromEnv) return fromEnv;
  const home = env.HOME ?? os.homedir();
  const fallback = path.join(home, '.kube', 'config');
  return existsSync(fallback) ? fallback : undefined;
}

/** Lists the nodes' kubelet versions; undefined when the cluster cannot be asked in time. */
export async function kubeletVersions(kubeconfigPath: string, timeoutMs = 3000): Promise<string[] | undefined> {
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
      return list.items.map((n) => n.status?.nodeInfo?.kubeletVersion ?? '');
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return undefined;
  }
}
