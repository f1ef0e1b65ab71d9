// Releases this jest run's hold on the local cluster; it stops if a test run started it and no other run uses it.
import { releaseCluster } from '../../../src/cluster/cluster';

export default async function globalTeardown(): Promise<void> {
  if (process.env.MESH_TEST_KUBECONFIG) return;
  await releaseCluster(process.pid);
}
