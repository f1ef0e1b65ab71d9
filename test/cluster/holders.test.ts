// A cluster started for test runs stops when the last run releases it; one started by hand keeps running.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { releaseCluster } from '../../src/cluster/cluster';
import { isAlive } from '../../src/cluster/lock';
import { startDetached, stopProcess } from '../../src/cluster/process';
import { addHolder, clusterDir, readState, writeState, type ClusterState } from '../../src/cluster/state';

function fakeCluster(autoStop: boolean): { env: NodeJS.ProcessEnv; dir: string; pid: number } {
  const env = { MESH_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'mesh-holders-')) };
  const dir = clusterDir('default', env);
  const pid = startDetached('/bin/sleep', ['60'], path.join(env.MESH_CACHE_DIR, 'sleep.log'), process.env);
  const state: ClusterState = {
    name: 'default',
    server: 'https://127.0.0.1:1',
    kubeconfig: path.join(dir, 'kubeconfig'),
    ports: { etcdClient: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5 },
    components: [{ name: 'etcd', pid, binary: '/bin/sleep', log: '' }],
    startedAt: new Date().toISOString(),
    readyDelayMs: 0,
    autoStop,
  };
  mkdirSync(dir, { recursive: true });
  writeState(dir, state);
  return { env, dir, pid };
}

describe('cluster holders', () => {
  it('stop a test-started cluster only when the last holder releases it', async () => {
    const { env, dir, pid } = fakeCluster(true);
    const other = startDetached('/bin/sleep', ['60'], path.join(env.MESH_CACHE_DIR!, 'other.log'), process.env);
    addHolder(dir, 111111111); // a run that died without releasing: ignored
    addHolder(dir, other);
    addHolder(dir, process.pid);
    expect(await releaseCluster(process.pid, env)).toBe(false);
    expect(isAlive(pid)).toBe(true);
    await stopProcess(other, '/bin/sleep');
    expect(await releaseCluster(other, env)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(readState(dir)).toBeUndefined();
  });

  it('leave a cluster started by `mesh cluster up` running', async () => {
    const { env, dir, pid } = fakeCluster(false);
    addHolder(dir, process.pid);
    expect(await releaseCluster(process.pid, env)).toBe(false);
    expect(isAlive(pid)).toBe(true);
    await stopProcess(pid, '/bin/sleep');
  });
});
