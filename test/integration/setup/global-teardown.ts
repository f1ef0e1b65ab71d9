// Releases this jest run's hold on the local clusters; each stops if a test run started it and no other run uses it.
import { releaseCluster } from '../../../src/cluster/cluster';
import { ISTIO_CLUSTER, MESH_FREE_CLUSTER } from './names';

export default async function globalTeardown(): Promise<void> {
  if (!process.env.MESH_TEST_KUBECONFIG) await releaseCluster(process.pid, { ...process.env, MESH_CLUSTER_NAME: MESH_FREE_CLUSTER });
  if (!process.env.MESH_TEST_ISTIO_KUBECONFIG) await releaseCluster(process.pid, { ...process.env, MESH_CLUSTER_NAME: ISTIO_CLUSTER });
}
