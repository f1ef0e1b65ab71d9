import type { KubeConfig } from '@kubernetes/client-node';
import { listObjectsWithin } from './objects';

interface Node {
  metadata: { name?: string };
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

/**
 * Each node's kubelet version by node name (what Istio's DetectNativeSidecar asks); undefined when the cluster
 * cannot be asked in time, so a caller falls back as offline istioctl does.
 */
export async function kubeletVersions(kc: KubeConfig, timeoutMs = 3000): Promise<Record<string, string> | undefined> {
  const list = await listObjectsWithin<Node>(kc, { apiVersion: 'v1', kind: 'Node' }, timeoutMs);
  if (!list) return undefined;
  return Object.fromEntries(list.items.map((n) => [n.metadata?.name ?? '', n.status?.nodeInfo?.kubeletVersion ?? '']));
}
