// Integration suite global setup: reuse MESH_TEST_KUBECONFIG, else start (or reuse) the local control plane.
// scripts/test.mjs has normally built and started it already, so this only connects; run directly with
// `npx jest`, it builds and starts it here (jest applies no timeout to global setup).
import { clusterUp } from '../../../src/cluster/cluster';

export default async function globalSetup(): Promise<void> {
  if (process.env.MESH_TEST_KUBECONFIG) {
    process.env.MESH_TEST_KUBECONFIG_RESOLVED = process.env.MESH_TEST_KUBECONFIG;
    return;
  }
  const result = await clusterUp({
    holder: process.pid,
    progress: (line) => process.stderr.write(`[mesh cluster] ${line}\n`),
  });
  process.env.MESH_TEST_KUBECONFIG_RESOLVED = result.state.kubeconfig;
}
