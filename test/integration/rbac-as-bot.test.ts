import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRegistry } from '../../src/apps';
import { startConsole } from '../../src/console/session';
import { errorMessage } from '../../src/errors';
import { blocksToText } from '../../src/slack/render/text';
import type { StandinEvent } from '../../src/slack/standin';
import { startGitServer, type GitServer } from '../support/git-server';
import { getObject, kubeRequest, KubeApiError } from '../../src/kube';
import { disable, enable, restart, status } from '../../src/autoinject';
import { runRollout, startRollout, type RolloutEvent } from '../../src/rollout';
import { meshBot, type MeshBot } from './rbac-identity';
import { kubeConfig, waitUntil, withNamespace } from './setup/cluster';

// The real engines, authenticated only as the mesh bot (the RBAC `mesh rbac generate` prints for the built-in
// registry and one namespace, bound to a ServiceAccount): whatever deploy and autoinject need must be granted,
// or these fail with a 403 — and what the registry does not name fails with one.

const admin = kubeConfig();

describe('mesh as the bot identity', () => {
  const home = withNamespace('rbac-bot');
  const target = withNamespace('rbac-bot-app');
  let bot: MeshBot;

  beforeAll(async () => {
    bot = await meshBot(admin, home.name, [target.name]);
  });

  afterAll(async () => {
    await bot?.cleanup();
  });

  it('deploys guestbook into the namespace it was granted', async () => {
    const events: RolloutEvent[] = [];
    const state = startRollout({ app: 'guestbook', namespace: target.name, holder: 'mesh-bot', command: 'deploy guestbook' });
    const final = await runRollout(state, { kc: bot.kc, emit: (e) => events.push(e) });
    expect({ phase: final.phase, error: final.error }).toEqual({ phase: 'finished', error: undefined });
    expect(await getObject(admin, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'guestbook-ui', namespace: target.name } })).toBeDefined();
  });

  it('cannot deploy into a namespace the registry does not grant (its own home), and says which permission is missing', async () => {
    const state = startRollout({ app: 'guestbook', namespace: home.name, holder: 'mesh-bot', command: 'deploy guestbook' });
    const outcome = await runRollout(state, { kc: bot.kc, emit: () => undefined }).then(
      (final) => `${final.phase}: ${final.error ?? ''}`,
      (error: unknown) => errorMessage(error),
    );
    expect(outcome).toMatch(/cannot get resource "namespaces"/);
    expect(await getObject(admin, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'redis', namespace: home.name } })).toBeUndefined();
  });

  it('runs autoinject status, enable, disable and restart on it', async () => {
    expect((await status(bot.kc, target.name)).ok).toBe(true);
    // Whether an injector is installed depends on other suites; any answer but a 403 is fine here.
    expect(['enabled', 'already-enabled', 'failed']).toContain((await enable(bot.kc, target.name)).outcome);
    await kubeRequest(admin, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${target.name}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'istio-injection': 'enabled' } } },
    });
    const disabled = await disable(bot.kc, target.name);
    expect({ outcome: disabled.outcome, labels: disabled.labels }).toEqual({ outcome: 'disabled', labels: {} });
    const restarted = await restart(bot.kc, target.name, [{ kind: 'Deployment', name: 'guestbook-ui' }]);
    expect(restarted).toMatchObject({ restarted: [{ kind: 'Deployment', name: 'guestbook-ui' }], failed: [] });
  });

  it('may change only the injection labels of its namespace: pod security and other labels are refused by admission', async () => {
    const patch = (labels: Record<string, string | null>, annotations?: Record<string, string>) =>
      kubeRequest(bot.kc, {
        method: 'PATCH',
        path: `/api/v1/namespaces/${target.name}`,
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels, ...(annotations ? { annotations } : {}) } },
      }).then(() => 'allowed', (e: unknown) => (e instanceof KubeApiError ? `${e.statusCode} ${e.message}` : String(e)));
    // An admission policy takes effect a moment after it is created: wait until a stray label is refused.
    await waitUntil('the namespace-label policy in force', async () => {
      const outcome = await patch({ 'mesh.dev/policy-probe': 'x' });
      if (outcome === 'allowed') await kubeRequest(admin, { method: 'PATCH', path: `/api/v1/namespaces/${target.name}`, contentType: 'application/merge-patch+json', body: { metadata: { labels: { 'mesh.dev/policy-probe': null } } } });
      return outcome.startsWith('403');
    });
    expect(await patch({ 'istio.io/rev': 'canary' })).toBe('allowed');
    expect(await patch({ 'istio.io/rev': null })).toBe('allowed');
    expect(await patch({ 'pod-security.kubernetes.io/enforce': 'privileged' })).toMatch(/^403 .*may change only the istio-injection and istio\.io\/rev labels of a namespace/);
    expect(await patch({ 'mesh.dev/test': null })).toMatch(/^403 .*may change only the istio-injection/);
    expect(await patch({}, { 'scheduler.alpha.kubernetes.io/node-selector': 'x=y' })).toMatch(/^403 .*may not change the annotations/);
    const labels = (await getObject<{ metadata: { labels: Record<string, string> } }>(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: target.name } }))!.metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBeUndefined();
    expect(labels['mesh.dev/test']).toBe('true');
  });

  it('binds only the bot: an admin may still set any label', async () => {
    await expect(kubeRequest(admin, { method: 'PATCH', path: `/api/v1/namespaces/${target.name}`, contentType: 'application/merge-patch+json', body: { metadata: { labels: { 'example.com/team': 'a' } } } })).resolves.toBeDefined();
  });
});

describe('a Git app deployed from Slack (the console door) as the bot', () => {
  const home = withNamespace('rbac-git-bot');
  const target = withNamespace('rbac-git-app');
  const TOKEN = 'rbac-git-token';
  const cacheDir = path.join(os.tmpdir(), `mesh-rbac-git-${process.pid}`);
  const web = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n';
  const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n';
  let server: GitServer;
  let bot: MeshBot;
  let registry: string;

  beforeAll(async () => {
    server = await startGitServer({ token: TOKEN });
    const shop = server.createRepository('shop');
    shop.commit({ 'k8s/web.yaml': web, 'k8s/service.yaml': service }, 'first');
    registry = `apps:\n  shop:\n    repository: ${shop.url}\n    path: k8s\n    credentials: {env: MESH_GIT_SHOP_TOKEN}\n    namespaces: [${target.name}]\n`;
    // The kinds come from the same files the repository holds (generate would fetch them with the token).
    bot = await meshBot(admin, home.name, [], parseRegistry(registry, 'MESH_APPS'), { shop: { 'web.yaml': web, 'service.yaml': service } });
  }, 60_000);

  afterAll(async () => {
    await bot?.cleanup();
    await server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('/mesh deploy shop runs to the end with the bot\'s identity only; /mesh apps lists it', async () => {
    const seen: string[] = [];
    const session = await startConsole({ env: { MESH_APPS: registry, MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir }, kube: async () => bot.kc, stageTimeoutMs: 60_000 });
    try {
      session.standin.events.on('event', (event: StandinEvent) => {
        if ('message' in event) seen.push(event.message.text);
        else if (event.type === 'ephemeral') seen.push(event.text, blocksToText(event.blocks, ''));
      });
      await session.send(`/mesh deploy shop -n ${target.name}`);
      await session.runner.idle();
      expect(seen).toContain(`Rollout of shop to ${target.name}: succeeded`);
      await session.send('/mesh apps');
      await session.runner.idle();
      expect(seen.join('\n')).toMatch(new RegExp(`shop in ${target.name}`));
    } finally {
      await session.close();
    }
    expect(await getObject(admin, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: target.name } })).toBeDefined();
  });
});
