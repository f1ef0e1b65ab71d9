// mesh's one kubeconfig lookup order (src/kube/kubeconfig-path.ts, loaded by src/kube/config.ts): --kubeconfig,
// else every existing file of KUBECONFIG merged as kubectl merges them, else ~/.kube/config, else the door's local
// cluster. Every door (CLI, console, worker, kube-inject, named context clusters) goes through it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveKubeConfig } from '../../src/kube/config';
import { kubeconfigFiles } from '../../src/kube/kubeconfig-path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-kc-'));
function kubeconfig(name: string, server: string, context = 'x', cluster = 'c', currentContext: string | null = context): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: ${cluster}, cluster: {server: "${server}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ${context}, context: {cluster: ${cluster}, user: u}}]
${currentContext ? `current-context: ${currentContext}` : ''}
`,
  );
  return file;
}

const emptyHome = path.join(dir, 'empty-home');
mkdirSync(emptyHome);
const home = path.join(dir, 'home');
mkdirSync(path.join(home, '.kube'), { recursive: true });
writeFileSync(path.join(home, '.kube', 'config'), `apiVersion: v1
kind: Config
clusters: [{name: h, cluster: {server: "https://home:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: h, context: {cluster: h, user: u}}]
current-context: h
`);

describe('resolveKubeConfig', () => {
  const flag = kubeconfig('flag.yaml', 'https://flag:6443');
  const env = kubeconfig('env.yaml', 'https://env:6443');
  const local = kubeconfig('local.yaml', 'https://local:6443');
  const localCluster = async () => local;
  const server = async (opts: Parameters<typeof resolveKubeConfig>[0]) => (await resolveKubeConfig(opts)).getCurrentCluster()?.server;

  it('prefers --kubeconfig, then KUBECONFIG, then ~/.kube/config, then the running local cluster', async () => {
    expect(await server({ kubeconfig: flag, env: { KUBECONFIG: env, HOME: home }, localCluster })).toBe('https://flag:6443');
    expect(await server({ env: { KUBECONFIG: env, HOME: home }, localCluster })).toBe('https://env:6443');
    expect(await server({ env: { HOME: home }, localCluster })).toBe('https://home:6443');
    expect(await server({ env: { HOME: emptyHome }, localCluster })).toBe('https://local:6443');
  });

  it('resolves a relative --kubeconfig or KUBECONFIG entry against the working directory', async () => {
    expect(await server({ kubeconfig: 'flag.yaml', cwd: dir, env: { HOME: emptyHome } })).toBe('https://flag:6443');
    expect(await server({ cwd: dir, env: { KUBECONFIG: 'env.yaml', HOME: emptyHome } })).toBe('https://env:6443');
  });

  it('merges the files of KUBECONFIG as kubectl does: the first current context and the first of each name win, missing files are skipped', async () => {
    const first = kubeconfig('first.yaml', 'https://first:6443', 'one', 'shared');
    const second = kubeconfig('second.yaml', 'https://second:6443', 'two', 'shared', 'two');
    const third = kubeconfig('third.yaml', 'https://third:6443', 'three', 'own', 'three');
    const kc = await resolveKubeConfig({ env: { KUBECONFIG: [path.join(dir, 'missing.yaml'), first, second, third].join(path.delimiter), HOME: home } });
    expect(kc.getCurrentContext()).toBe('one');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['one', 'two', 'three']);
    // Both files name cluster "shared": the first file's wins, for every context that uses it.
    expect(kc.getCluster('shared')?.server).toBe('https://first:6443');
    kc.setCurrentContext('three');
    expect(kc.getCurrentCluster()?.server).toBe('https://third:6443');
  });

  it("takes the current context from a later file when the first sets none (kubectl's merge)", async () => {
    const clusters = kubeconfig('clusters-only.yaml', 'https://clusters-only:6443', 'a', 'ca', null);
    const pointer = kubeconfig('pointer.yaml', 'https://pointer:6443', 'b', 'cb', 'a');
    expect(await server({ env: { KUBECONFIG: [clusters, pointer].join(path.delimiter), HOME: emptyHome } })).toBe('https://clusters-only:6443');
  });

  it('says how to get a cluster when there is none (the local cluster only for doors that have one)', async () => {
    await expect(resolveKubeConfig({ env: { HOME: emptyHome }, localCluster: async () => undefined })).rejects.toThrow(
      'no cluster: pass --kubeconfig <path>, set KUBECONFIG, or start the local cluster with `mesh cluster up`',
    );
    await expect(resolveKubeConfig({ env: { HOME: emptyHome } })).rejects.toThrow('no cluster: pass --kubeconfig <path>, set KUBECONFIG, or write ~/.kube/config');
  });

  it('names a missing or broken file, and never falls back past a file the user named', async () => {
    await expect(resolveKubeConfig({ kubeconfig: '/does/not/exist', env: { KUBECONFIG: env }, localCluster })).rejects.toThrow('--kubeconfig /does/not/exist does not exist');
    await expect(resolveKubeConfig({ env: { KUBECONFIG: '/does/not/exist', HOME: home }, localCluster })).rejects.toThrow('KUBECONFIG /does/not/exist does not exist');
    await expect(resolveKubeConfig({ env: { KUBECONFIG: `/a${path.delimiter}/b`, HOME: home } })).rejects.toThrow(`KUBECONFIG /a${path.delimiter}/b: none of these files exists`);
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'current-context: [');
    await expect(resolveKubeConfig({ kubeconfig: broken, env: {} })).rejects.toThrow(`--kubeconfig ${broken} is not a valid kubeconfig`);
    const noContext = kubeconfig('no-context.yaml', 'https://n:6443', 'n', 'n', null);
    await expect(resolveKubeConfig({ env: { KUBECONFIG: noContext } })).rejects.toThrow(`KUBECONFIG ${noContext} has no current context with a cluster`);
  });
});

describe('kubeconfigFiles (without loading a Kubernetes client: `mesh kube-inject`)', () => {
  it('finds the same files, in merge order, or none', () => {
    const a = kubeconfig('a.yaml', 'https://a:6443');
    expect(kubeconfigFiles({ env: { KUBECONFIG: [a, path.join(dir, 'gone.yaml'), a].join(path.delimiter), HOME: home } })).toEqual({ origin: 'KUBECONFIG', files: [a] });
    expect(kubeconfigFiles({ env: { HOME: home } })).toEqual({ origin: '~/.kube/config', files: [path.join(home, '.kube', 'config')] });
    expect(kubeconfigFiles({ env: { KUBECONFIG: '', HOME: emptyHome } })).toBeUndefined();
  });
});
