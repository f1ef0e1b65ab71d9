// Integration suite global setup: reuse MESH_TEST_KUBECONFIG / MESH_TEST_ISTIO_KUBECONFIG, else start (or reuse)
// the two local control planes: "default" with real Istio (istiod as the injector) and "mesh-free" without.
// scripts/test.mjs has normally built and started them already, so this only connects; run directly with
// `npx jest`, it builds and starts them here (jest applies no timeout to global setup).
import { clusterUp } from '../../../src/cluster/cluster';
import { ISTIO_CLUSTER, MESH_FREE_CLUSTER } from './names';

export default async function globalSetup(): Promise<void> {
  const progress = (line: string) => process.stderr.write(`[mesh cluster] ${line}\n`);
  if (process.env.MESH_TEST_KUBECONFIG) {
    process.env.MESH_TEST_KUBECONFIG_RESOLVED = process.env.MESH_TEST_KUBECONFIG;
  } else {
    const meshFree = await clusterUp({ holder: process.pid, istio: false, progress, env: { ...process.env, MESH_CLUSTER_NAME: MESH_FREE_CLUSTER } });
    process.env.MESH_TEST_KUBECONFIG_RESOLVED = meshFree.state.kubeconfig;
  }
  if (process.env.MESH_TEST_ISTIO_KUBECONFIG) {
    process.env.MESH_TEST_ISTIO_KUBECONFIG_RESOLVED = process.env.MESH_TEST_ISTIO_KUBECONFIG;
  } else {
    const withIstio = await clusterUp({ holder: process.pid, istio: true, canary: true, progress, env: { ...process.env, MESH_CLUSTER_NAME: ISTIO_CLUSTER } });
    process.env.MESH_TEST_ISTIO_KUBECONFIG_RESOLVED = withIstio.state.kubeconfig;
  }
}
