// `mesh kube-inject --native-sidecars auto` asks the real local control plane for its nodes' kubelet
// versions (native iff all ≥ 1.33), and falls back to classic when the cluster cannot be reached.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { nativeSidecarsSupported } from '../../src/inject/settings';
import { runCli } from '../support/run-cli';
import { kubeConfig, kubeconfigPath } from './setup/cluster';

const HELLO = path.resolve(__dirname, '../../../shared/conformance/istio-inject/inject/hello.yaml');

function kubeInject(env: NodeJS.ProcessEnv) {
  return runCli(['kube-inject', '-f', HELLO, '--native-sidecars', 'auto'], { env, cwd: process.cwd() });
}

describe('kube-inject --native-sidecars auto', () => {
  it('follows the cluster nodes kubelet versions', async () => {
    const nodes = await kubeConfig().makeApiClient(CoreV1Api).listNode();
    const expectNative = nativeSidecarsSupported(nodes.items.map((n) => n.status?.nodeInfo?.kubeletVersion ?? ''));
    const r = await kubeInject({ KUBECONFIG: kubeconfigPath(), HOME: os.tmpdir() });
    expect(r.code).toBe(0);
    expect(r.stdout.includes('restartPolicy: Always')).toBe(expectNative);
  });

  it('is classic when the kubeconfig points at no cluster, within the timeout', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-kubeconfig-'));
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const r = await kubeInject({ KUBECONFIG: file, HOME: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('restartPolicy: Always');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
