// Apps from Git on two named clusters at once: the suite's local control plane ("one") and a second one this
// file starts ("two", ~10 s, stopped at the end — which also gives a cluster that is really down). The app
// comes from a real Git server on loopback (git-http-backend); commits are pushed with the git CLI.
import { rmSync } from 'node:fs';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterDown, clusterUp } from '../../src/cluster/cluster';
import { startConsole, type ConsoleSession } from '../../src/console/session';
import { readLock } from '../../src/rollout/lock';
import { blocksToText } from '../../src/slack/render/text';
import type { StandinEvent } from '../../src/slack/standin';
import { startGitServer, type GitRepository, type GitServer } from '../support/git-server';
import { kubeconfigPath, waitUntil, withNamespace } from './setup/cluster';

const TOKEN = 'integration-git-token';
const SECOND = {
  ...process.env,
  MESH_CLUSTER_NAME: process.env.MESH_TEST_SECOND_CLUSTER_NAME ?? `${process.env.MESH_CLUSTER_NAME ?? 'default'}-second`,
};

const web = (image: string, readyDelay = '0s') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n      annotations: {mesh.dev/kwok-ready-delay: "${readyDelay}"}\n    spec:\n      containers:\n      - name: web\n        image: ${image}\n`;

let server: GitServer;
let shop: GitRepository;
let secondKubeconfig: string;
let session: ConsoleSession;
const seen: string[] = [];

function registry(): string {
  return `
defaultCluster: one
clusters:
  one: {context: ${kubeOf(kubeconfigPath()).getCurrentContext()}, kubeconfig: ${kubeconfigPath()}}
  two: {context: mesh-local, kubeconfig: ${secondKubeconfig}}
apps:
  shop:
    repository: ${shop.url}
    ref: main
    path: k8s
    credentials: {env: MESH_GIT_SHOP_TOKEN}
    clusters: [one, two]
    namespaces: ["apps-clusters-*"]
`;
}

function kubeOf(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

async function image(file: string, namespace: string): Promise<string | undefined> {
  const apps = kubeOf(file).makeApiClient(AppsV1Api);
  const d = await apps.readNamespacedDeployment({ name: 'web', namespace }).catch(() => undefined);
  return d?.spec?.template.spec?.containers[0]?.image;
}

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  shop = server.createRepository('shop');
  shop.commit({ 'k8s/web.yaml': web('nginx:1.27') }, 'first');
  secondKubeconfig = (await clusterUp({ env: SECOND })).state.kubeconfig;
}, 120_000);

// A fresh console per test: the same command twice within a minute is one job (duplicate protection).
beforeEach(async () => {
  seen.length = 0;
  session = await startConsole({ env: { MESH_APPS: registry(), MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: `${secondKubeconfig}.git-cache` }, stageTimeoutMs: 60_000 });
  session.standin.events.on('event', (event: StandinEvent) => {
    if ('message' in event) seen.push(event.message.text);
    else if (event.type === 'ephemeral') seen.push(event.text, blocksToText(event.blocks, ''));
  });
});
afterEach(() => session.close());

afterAll(async () => {
  await clusterDown(SECOND).catch(() => undefined);
  rmSync(`${secondKubeconfig}.git-cache`, { recursive: true, force: true });
  await server?.close();
});

describe('one app from Git, two named clusters', () => {
  const ns = withNamespace('apps-clusters');

  it('deploys the same app to both; a rollout in progress on one does not block the other', async () => {
    // Cluster one gets a commit whose pods take 20 s to become ready; it keeps that commit (pinned) while
    // cluster two deploys the next one, which is ready at once.
    shop.commit({ 'k8s/web.yaml': web('nginx:1.27', '20s') }, 'slow to become ready');
    await session.send(`/mesh deploy shop -n ${ns.name}`);
    await waitUntil('the rollout lock on cluster one', () => readLock(kubeOf(kubeconfigPath()), ns.name, 'shop'), 30_000);
    shop.commit({ 'k8s/web.yaml': web('nginx:1.27') }, 'ready at once');
    await session.send(`/mesh deploy shop -n ${ns.name} --cluster two`);
    await waitUntil('shop finished on cluster two', async () => seen.some((t) => t === `Rollout of shop to ${ns.name} on cluster two: succeeded`), 30_000);
    const lockOnOne = await readLock(kubeOf(kubeconfigPath()), ns.name, 'shop');
    expect(lockOnOne).toMatchObject({ cluster: 'one' });
    await session.runner.idle();
    expect(seen).toContain(`Rollout of shop to ${ns.name} on cluster one: succeeded`);
    expect(await image(kubeconfigPath(), ns.name)).toBe('nginx:1.27');
    expect(await image(secondKubeconfig, ns.name)).toBe('nginx:1.27');
  });

  it('the next deploy uses a pushed commit, and /mesh apps shows what is deployed where', async () => {
    const commit = shop.commit({ 'k8s/web.yaml': web('nginx:1.28') }, 'bump');
    await session.send(`/mesh deploy shop -n ${ns.name} --cluster two`);
    await session.runner.idle();
    expect(await image(secondKubeconfig, ns.name)).toBe('nginx:1.28');
    expect(await image(kubeconfigPath(), ns.name)).toBe('nginx:1.27');
    await session.send('/mesh apps');
    await session.runner.idle();
    const apps = seen.join('\n');
    expect(apps).toMatch(new RegExp(`shop in ${ns.name} on cluster two: commit ${commit.slice(0, 12)}, .* by Slack user U0CONSOLE`));
    expect(apps).toMatch(new RegExp(`shop in ${ns.name} on cluster one: commit [0-9a-f]{12}`));
  });

  it('reports a cluster that is down by name and changes nothing elsewhere', async () => {
    await clusterDown(SECOND);
    await session.send(`/mesh deploy shop -n ${ns.name} --cluster two`);
    await session.runner.idle();
    expect(seen.join('\n')).toMatch(/cluster two is unreachable \(ECONNREFUSED/);
    expect(seen).toContain(`Rollout of shop to ${ns.name} on cluster two: failed`);
    expect(await image(kubeconfigPath(), ns.name)).toBe('nginx:1.27');
  });
});
