import type { KubeConfig } from '@kubernetes/client-node';
import { listObjects } from './objects';

interface Node {
  metadata: { name?: string };
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

/**
 * Each node's kubelet version by node name (what Istio's DetectNativeSidecar asks); undefined when the cluster
 * cannot be asked in time, so a caller falls back as offline istioctl does.
 */
export async function kubeletVersions(kc: KubeConfig, timeoutMs = 3000): Promise<Record<string, string> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const list = await Promise.race([listObjects<Node>(kc, { apiVersion: 'v1', kind: 'Node' }), timeout]);
    if (!list) return undefined;
    return Object.fromEntries(list.items.map((n) => [n.metadata?.name ?? '', n.status?.nodeInfo?.kubeletVersion ?? '']));
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
