// `mesh cluster` argument handling, in-process against an empty cache (no cluster, nothing started).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli';

const cache = mkdtempSync(path.join(tmpdir(), 'mesh-cluster-cli-'));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(['cluster', ...args], { env: { MESH_CACHE_DIR: cache, PATH: process.env.PATH, ...env }, cwd: cache });
}

describe('mesh cluster', () => {
  it('rejects an unknown action with the usage', async () => {
    const result = await cli(['sideways']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mesh cluster: unknown action "sideways"; usage: mesh cluster up [--no-istio|--canary]|down|status|kubeconfig\n');
  });

  it('says when no cluster is running', async () => {
    expect(await cli(['status'])).toEqual({ code: 1, stdout: 'local cluster: not running\n', stderr: '' });
    const kubeconfig = await cli(['kubeconfig']);
    expect(kubeconfig.code).toBe(1);
    expect(kubeconfig.stderr).toContain('the local cluster is not running; start it with `mesh cluster up`');
    expect(await cli(['down'])).toEqual({ code: 0, stdout: '', stderr: 'local cluster was not running\n' });
  });

  it('rejects a bad holder pid and a bad cluster name', async () => {
    expect((await cli(['release', '--holder', 'x'])).stderr).toBe('mesh cluster: --holder needs a process id\n');
    const badName = await cli(['status'], { MESH_CLUSTER_NAME: 'My Cluster' });
    expect(badName).toMatchObject({ code: 1, stderr: 'mesh cluster: MESH_CLUSTER_NAME "My Cluster" must be lowercase letters, digits and dashes\n' });
  });
});
