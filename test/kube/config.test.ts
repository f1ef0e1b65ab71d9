import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveKubeConfig } from '../../src/kube/config';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-kc-'));
function kubeconfig(name: string, server: string): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
  );
  return file;
}

describe('resolveKubeConfig', () => {
  const flag = kubeconfig('flag.yaml', 'https://flag:6443');
  const env = kubeconfig('env.yaml', 'https://env:6443');
  const local = kubeconfig('local.yaml', 'https://local:6443');
  const server = async (opts: Parameters<typeof resolveKubeConfig>[0]) => (await resolveKubeConfig(opts)).getCurrentCluster()?.server;

  it('prefers --kubeconfig, then KUBECONFIG, then the running local cluster', async () => {
    const localCluster = async () => local;
    expect(await server({ kubeconfig: flag, env: { KUBECONFIG: env }, localCluster })).toBe('https://flag:6443');
    expect(await server({ env: { KUBECONFIG: `/nope${path.delimiter}${env}` }, localCluster })).toBe('https://env:6443');
    expect(await server({ env: {}, localCluster })).toBe('https://local:6443');
  });
  it('says how to get a cluster when there is none', async () => {
    await expect(resolveKubeConfig({ env: {}, localCluster: async () => undefined })).rejects.toThrow(
      'no cluster: pass --kubeconfig <path>, set KUBECONFIG, or start the local cluster with `mesh cluster up`',
    );
  });
  it('names a missing or broken file', async () => {
    await expect(resolveKubeConfig({ kubeconfig: '/does/not/exist', env: {} })).rejects.toThrow('--kubeconfig /does/not/exist does not exist');
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'current-context: [');
    await expect(resolveKubeConfig({ kubeconfig: broken, env: {} })).rejects.toThrow(/is not a valid kubeconfig/);
  });
});
