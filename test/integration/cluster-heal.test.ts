// The local cluster heals instead of resetting: with components dead, `mesh cluster up` restarts them with
// their data and ports, so what was deployed is still there; a fresh cluster only comes from down + up.
// Runs its own small cluster (no Istio) so that killing components disturbs no other suite.
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { clusterDown, clusterStatus, clusterUp } from '../../src/cluster/cluster';
import { clusterDir } from '../../src/cluster/state';
import { rmSync } from 'node:fs';
import { runsBinary } from '../../src/cluster/process';

const env = { ...process.env, MESH_CLUSTER_NAME: `heal-${process.pid}` };

function core(kubeconfig: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

afterAll(async () => {
  await clusterDown(env);
  // A cluster of its own per run: its data (etcd, logs, PKI) goes with it.
  rmSync(clusterDir(env.MESH_CLUSTER_NAME, env), { recursive: true, force: true });
});

describe('mesh cluster up on a cluster with dead components', () => {
  it('restarts etcd and kube-apiserver with their data and ports; a namespace created before is still there', async () => {
    const first = await clusterUp({ env, istio: false });
    await core(first.state.kubeconfig).createNamespace({ body: { metadata: { name: 'kept-across-heal' } } });
    for (const name of ['kube-apiserver', 'etcd']) {
      const c = first.state.components.find((x) => x.name === name)!;
      process.kill(c.pid, 'SIGKILL');
      while (runsBinary(c.pid, c.binary)) await new Promise((r) => setTimeout(r, 50));
    }
    const before = await clusterStatus(env);
    expect(before.running).toBe(false);
    expect(before.components.filter((c) => !c.alive).map((c) => c.name).sort()).toEqual(['etcd', 'kube-apiserver']);

    const lines: string[] = [];
    const healed = await clusterUp({ env, istio: false, progress: (line) => lines.push(line) });
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^restarting etcd/), expect.stringMatching(/^restarting kube-apiserver/)]));
    expect(healed.state.server).toBe(first.state.server);
    const ns = await core(healed.state.kubeconfig).readNamespace({ name: 'kept-across-heal' });
    expect(ns.metadata?.name).toBe('kept-across-heal');
    const after = await clusterStatus(env);
    expect(after.running).toBe(true);
    expect(after.components.every((c) => c.alive)).toBe(true);
    // The components that never died kept their process.
    for (const name of ['kube-controller-manager', 'kube-scheduler', 'kwok']) {
      expect(after.components.find((c) => c.name === name)!.pid).toBe(first.state.components.find((c) => c.name === name)!.pid);
    }
  });

  it('restarts a dead istiod on its recorded ports, injecting again through the same webhook URL', async () => {
    await clusterDown(env);
    const first = await clusterUp({ env, istio: true });
    const istiod = first.state.components.find((c) => c.name === 'istiod')!;
    const injectUrl = first.state.istio![0]!.injectUrl;
    process.kill(istiod.pid, 'SIGKILL');
    while (runsBinary(istiod.pid, istiod.binary)) await new Promise((r) => setTimeout(r, 50));
    // up returns only once istiod is ready and a dry-run pod came back injected (istiodReady).
    const healed = await clusterUp({ env, istio: true });
    expect(healed.state.istio![0]!.injectUrl).toBe(injectUrl);
    const after = await clusterStatus(env);
    expect(after.components.find((c) => c.name === 'istiod')).toMatchObject({ alive: true });
    expect(after.components.find((c) => c.name === 'istiod')!.pid).not.toBe(istiod.pid);
  });

  it('starts empty after down + up (the explicit reset)', async () => {
    await clusterDown(env);
    const fresh = await clusterUp({ env, istio: false });
    await expect(core(fresh.state.kubeconfig).readNamespace({ name: 'kept-across-heal' })).rejects.toThrow();
  });
});
