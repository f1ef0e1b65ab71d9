// Named clusters from the registry: kubeconfig contexts for the CLI/console, the default, did-you-mean, and a
// cluster that is down reported by name (no control plane needed: the "down" cluster is a closed port).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseRegistry } from '../../src/apps';
import { clusterKubeConfig } from '../../src/apps/clusters';
import { startConsole } from '../../src/console/session';
import type { StandinEvent } from '../../src/slack/standin';

jest.setTimeout(60_000);

let dir: string;
let kubeconfig: string;

function kubeconfigYaml(port: number): string {
  const cluster = (name: string) => `- name: ${name}\n  cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\n`;
  const context = (name: string) => `- name: ${name}-admin\n  context:\n    cluster: ${name}\n    user: admin\n`;
  return `apiVersion: v1\nkind: Config\nclusters:\n${cluster('down')}${cluster('prod')}contexts:\n${context('down')}${context('prod')}current-context: prod-admin\nusers:\n- name: admin\n  user:\n    token: t\n`;
}

beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-clusters-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(closedPort));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const registryText = () => `
defaultCluster: prod
clusters:
  prod: {context: prod-admin, kubeconfig: ${kubeconfig}}
  down: {context: down-admin, kubeconfig: ${kubeconfig}}
`;

describe('named clusters', () => {
  it('maps a cluster name (or the default) to its kubeconfig context', async () => {
    const registry = parseRegistry(registryText(), 'R');
    const own = () => Promise.reject(new Error('the door\'s own cluster is not used when clusters are named'));
    expect((await clusterKubeConfig(registry, undefined, {}, own)).getCurrentContext()).toBe('prod-admin');
    expect((await clusterKubeConfig(registry, 'down', {}, own)).getCurrentContext()).toBe('down-admin');
    await expect(clusterKubeConfig(registry, 'prd', {}, own)).rejects.toThrow('no cluster named "prd"; did you mean "prod"? (clusters: prod, down)');
    const none = parseRegistry('', 'R');
    await expect(clusterKubeConfig(none, 'prod', {}, own)).rejects.toThrow(/^no clusters are registered \(R\), so there is no cluster "prod"; leave out --cluster$/);
    const broken = parseRegistry(registryText().replace('context: prod-admin', 'context: nope'), 'R');
    await expect(clusterKubeConfig(broken, undefined, {}, own)).rejects.toThrow(/^cluster prod: .*kubeconfig has no context "nope" \(contexts: down-admin, prod-admin\)$/);
  });

  it('finds a context without a kubeconfig of its own in the files of KUBECONFIG, merged, and names a missing file', async () => {
    const second = path.join(dir, 'second');
    writeFileSync(second, 'apiVersion: v1\nkind: Config\nclusters: [{name: staging, cluster: {server: "https://staging:6443"}}]\nusers: [{name: s, user: {token: t}}]\ncontexts: [{name: staging-admin, context: {cluster: staging, user: s}}]\n');
    const registry = parseRegistry('clusters:\n  staging: {context: staging-admin}\n', 'R');
    const own = () => Promise.reject(new Error('not used'));
    const kc = await clusterKubeConfig(registry, 'staging', { KUBECONFIG: [kubeconfig, second].join(path.delimiter), HOME: dir }, own);
    expect([kc.getCurrentContext(), kc.getCurrentCluster()?.server]).toEqual(['staging-admin', 'https://staging:6443']);
    await expect(clusterKubeConfig(registry, 'staging', { KUBECONFIG: path.join(dir, 'gone'), HOME: dir }, own)).rejects.toThrow(`cluster staging: KUBECONFIG ${path.join(dir, 'gone')} does not exist`);
    const ownFile = parseRegistry(`clusters:\n  staging: {context: staging-admin, kubeconfig: ${path.join(dir, 'gone')}}\n`, 'R');
    await expect(clusterKubeConfig(ownFile, 'staging', {}, own)).rejects.toThrow(`cluster staging: kubeconfig ${path.join(dir, 'gone')} does not exist`);
  });

  it('reports a cluster that is down by name, in the channel and the audit line names the cluster', async () => {
    const audit: string[] = [];
    const session = await startConsole({ env: { MESH_APPS: registryText(), MESH_CLUSTER_NAME: 'must-not-start' }, audit: (l) => audit.push(l) });
    const seen: string[] = [];
    session.standin.events.on('event', (event: StandinEvent) => {
      if ('message' in event) seen.push(event.message.text, JSON.stringify(event.message.blocks));
      else if (event.type === 'ephemeral') seen.push(event.text);
    });
    await session.send('/mesh deploy guestbook -n shop --cluster down');
    await session.runner.idle();
    await session.close();
    const text = seen.join('\n');
    expect(text).toContain('Rollout of guestbook to shop on cluster down: failed');
    expect(text).toMatch(/cluster down is unreachable \(ECONNREFUSED\)/);
    expect(audit.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ command: 'deploy guestbook -n shop --cluster down', cluster: 'down', outcome: 'dispatched' })]);
  });
});
