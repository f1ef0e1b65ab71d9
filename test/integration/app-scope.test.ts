// The cluster takeover of issue 23, on the real local cluster: the policy grants U0CONSOLE everything on
// namespaces shop-* only, the app `shop` comes from a Git repository (loopback git-http-backend) registered for
// namespaces shop-*, and someone who can push to that repository adds a ClusterRoleBinding of cluster-admin to
// the namespace's default ServiceAccount and a Namespace. The bot runs the job under its own identity, with the
// RBAC `mesh rbac generate` prints for that registry (which refuses the takeover as well: no ClusterRoleBindings,
// no Namespace creation); the app scope refuses the plan at pre-flight, before RBAC would, naming each object and
// the rule, and nothing is applied. The CLI refuses it too, and lifts the
// rule for one run with --allow-cluster-resources (a dry-run plan only here: the CLI runs as the user).
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import { parseRegistry } from '../../src/apps';
import { startConsole } from '../../src/console/session';
import { getObject } from '../../src/kube';
import { parsePolicy } from '../../src/slack/policy-file';
import { blocksToText } from '../../src/slack/render/text';
import type { StandinEvent } from '../../src/slack/standin';
import { startGitServer, type GitRepository, type GitServer } from '../support/git-server';
import { runCli } from '../support/run-cli';
import { meshBot, type MeshBot } from './rbac-identity';
import { kubeConfig, kubeconfigPath, withNamespace } from './setup/cluster';

const TOKEN = 'app-scope-git-token';
const cacheDir = path.join(os.tmpdir(), `mesh-app-scope-git-${process.pid}`);
const suffix = Date.now().toString(36);
const takenName = `shop-takeover-${suffix}`;
const bindingName = `shop-admin-${suffix}`;

const policy = parsePolicy('rules:\n  - {name: shop team, users: [U0CONSOLE], permissions: ["*"], namespaces: ["shop-*"]}\n', 'policy.yaml');

const web = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n';
const takeover = (namespace: string) =>
  [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRoleBinding',
    'metadata:',
    `  name: ${bindingName}`,
    'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
    `subjects: [{kind: ServiceAccount, name: default, namespace: ${namespace}}]`,
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${takenName}`,
    '',
  ].join('\n');

let server: GitServer;
let shop: GitRepository;
const admin = kubeConfig();

const registry = () => `apps:\n  shop:\n    repository: ${shop.url}\n    ref: main\n    path: k8s\n    credentials: {env: MESH_GIT_SHOP_TOKEN}\n    namespaces: ["shop-*"]\n`;

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  shop = server.createRepository('shop');
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

async function nothingApplied(namespace: string): Promise<void> {
  expect(await getObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: bindingName } })).toBeUndefined();
  expect(await getObject(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: takenName } })).toBeUndefined();
  expect(await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace }).catch(() => undefined)).toBeUndefined();
}

describe('an app repository writer cannot take the cluster over through a namespace-scoped grant', () => {
  const ns = withNamespace('shop');
  let bot: MeshBot;
  beforeAll(async () => {
    bot = await meshBot(admin, ns.name, [ns.name], parseRegistry(registry(), 'MESH_APPS'), { shop: { 'web.yaml': web } });
    shop.commit({ 'k8s/web.yaml': web, 'k8s/takeover.yaml': takeover(ns.name) }, 'add a ClusterRoleBinding of cluster-admin and a Namespace');
  });
  afterAll(() => bot?.cleanup());

  it('/mesh deploy shop -n shop-… is refused at pre-flight as the bot, naming each object and the rule; nothing is applied', async () => {
    const seen: string[] = [];
    const session = await startConsole({ env: { MESH_APPS: registry(), MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir }, kube: async () => bot.kc, policy, stageTimeoutMs: 30_000 });
    try {
      session.standin.events.on('event', (e: StandinEvent) => {
        if ('message' in e) seen.push(blocksToText(e.message.blocks, e.message.text));
        else if (e.type === 'ephemeral') seen.push(blocksToText(e.blocks, e.text));
      });
      await session.send(`/mesh deploy shop -n ${ns.name} --plan`);
      await session.send(`/mesh deploy shop -n ${ns.name}`);
      await session.runner.idle();
    } finally {
      await session.close();
    }
    const text = seen.join('\n');
    expect(text).toContain('the pre-flight rejected 2 object(s)');
    expect(text).toContain(
      `k8s/takeover.yaml:1 ClusterRoleBinding/${bindingName}: app scope rule "clusterResources": rbac.authorization.k8s.io/ClusterRoleBinding is cluster-scoped and app shop (MESH_APPS) may not apply it (clusterResources: none by default)`,
    );
    expect(text).toContain(`k8s/takeover.yaml:8 Namespace/${takenName}: app scope rule "clusterResources": Namespace is cluster-scoped and app shop (MESH_APPS) may not apply it`);
    expect(text).toMatch(/pre-flight rejected 2 object\(s\); nothing was changed/);
    await nothingApplied(ns.name);
  });

  it('mesh deploy (the CLI) refuses it too; --allow-cluster-resources lifts the rule for that one run', async () => {
    const env = { MESH_APPS: registry(), MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir, KUBECONFIG: kubeconfigPath() };
    const refused = await runCli(['deploy', 'shop', '-n', ns.name], { env, cwd: process.cwd() });
    expect(refused.stdout).toContain(`ClusterRoleBinding/${bindingName}: app scope rule "clusterResources"`);
    expect(refused.stdout).toContain('FAILED: pre-flight rejected 2 object(s); nothing was changed');
    expect(refused.code).toBe(1);
    await nothingApplied(ns.name);
    // As the operator, for one run: the dry-run plan passes (not applied here — it would bind cluster-admin).
    const allowed = await runCli(['deploy', 'shop', '-n', ns.name, '--plan', '--allow-cluster-resources'], { env, cwd: process.cwd() });
    expect(allowed.stdout).toMatch(new RegExp(`create clusterrolebinding/${bindingName}|ClusterRoleBinding/${bindingName}`, 'i'));
    expect(allowed.code).toBe(0);
    await nothingApplied(ns.name);
  });

  it('a Namespace alone is refused by the app scope as the bot, before its generated RBAC (no Namespace creation) would', async () => {
    shop.commit({ 'k8s/takeover.yaml': takeover(ns.name).split('---\n')[1]! }, 'only a Namespace now');
    const seen: string[] = [];
    const session = await startConsole({ env: { MESH_APPS: registry(), MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir }, kube: async () => bot.kc, policy, stageTimeoutMs: 30_000 });
    try {
      session.standin.events.on('event', (e: StandinEvent) => {
        if ('message' in e) seen.push(blocksToText(e.message.blocks, e.message.text));
      });
      await session.send(`/mesh deploy shop -n ${ns.name}`);
      await session.runner.idle();
    } finally {
      await session.close();
    }
    expect(seen.join('\n')).toContain(`k8s/takeover.yaml:1 Namespace/${takenName}: app scope rule "clusterResources"`);
    await nothingApplied(ns.name);
  });

  it('a namespace the app does not list is refused before anything is read from the cluster', async () => {
    const env = { MESH_APPS: registry(), MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir, KUBECONFIG: kubeconfigPath() };
    const refused = await runCli(['deploy', 'shop', '-n', 'kube-system'], { env, cwd: process.cwd() });
    expect(refused.stderr).toBe('mesh deploy: app shop may not go to namespace kube-system (the registry allows shop-*)\n');
    expect(refused.code).toBe(1);
  });
});
