// Apps from a team's Git repository, fetched by mesh's pure-JS client from a REAL Git server on loopback
// (git-http-backend behind a token-checking HTTP server); commits are pushed with the git CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { appsFromEnv, resolveApp } from '../../src/apps';
import { gitFilesLoader, rolloutSourceOf } from '../../src/apps/rollout';
import { startConsole } from '../../src/console/session';
import type { StandinEvent } from '../../src/slack/standin';
import type { GitRolloutSource } from '../../src/rollout/state';
import { startGitServer, type GitRepository, type GitServer } from '../support/git-server';

jest.setTimeout(60_000);

const TOKEN = 'glpat-test-token-4f9b2c';
const web = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: ${image}\n`;
const webService = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n';

let server: GitServer;
let shop: GitRepository;
let cacheDir: string;
let firstCommit: string;
let closedPort: number;

function registry(extra = ''): string {
  return `
apps:
  shop:
    repository: ${shop.url}
    ref: main
    path: k8s
    credentials: {env: MESH_GIT_SHOP_TOKEN}
    namespaces: [default, shop]
${extra}`;
}

function envWith(apps: string, token = TOKEN): NodeJS.ProcessEnv {
  return { MESH_APPS: apps, MESH_GIT_SHOP_TOKEN: token, MESH_GIT_CACHE_DIR: cacheDir, MESH_CLUSTER_NAME: 'must-not-start' };
}

/** Runs console lines; returns every message and ephemeral reply as text lines (section texts included). */
async function consoleRun(env: NodeJS.ProcessEnv, lines: string[]): Promise<{ text: string; audit: string[] }> {
  const audit: string[] = [];
  const session = await startConsole({ env, audit: (line) => audit.push(line), kube: () => Promise.reject(new Error('no cluster in this test')) });
  const seen: string[] = [];
  session.standin.events.on('event', (event: StandinEvent) => {
    if (event.type === 'file') return;
    const { text, blocks } = 'message' in event ? event.message : event;
    seen.push(text, ...(blocks ?? []).flatMap((b) => ('text' in b && b.text ? [b.text.text] : 'elements' in b ? b.elements.map((e) => JSON.stringify(e)) : [])));
  });
  for (const line of lines) seen.push((await session.send(line)).text);
  await session.runner.idle();
  await session.close();
  return { text: [...new Set(seen)].join('\n'), audit };
}

beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  server = await startGitServer({ token: TOKEN });
  shop = server.createRepository('shop');
  firstCommit = shop.commit({ 'k8s/web.yaml': web('nginx:1.27'), 'k8s/web-service.yaml': webService, 'README.md': '# shop\n' }, 'first');
});

beforeEach(() => {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'mesh-git-cache-'));
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));
afterAll(async () => server?.close());

describe('apps from a Git repository (real git-http-backend on loopback)', () => {
  it('/mesh inject shows the app at the ref\'s commit, and the next /mesh inject sees a pushed commit', async () => {
    const first = await consoleRun(envWith(registry()), ['/mesh inject shop']);
    expect(first.text).toContain('Injected *shop* for `default`: 1 of 1 workload(s)');
    expect(first.text).toContain(`commit ${firstCommit.slice(0, 12)} (${shop.url} k8s/ @ main)`);
    const second = shop.commit({ 'k8s/web.yaml': web('nginx:1.28') }, 'bump nginx');
    const next = await consoleRun(envWith(registry()), ['/mesh inject web']);
    expect(next.text).toContain(`commit ${second.slice(0, 12)}`);
    expect(next.text).toContain('Injected *web*');
    expect(server.requests.some((r) => r.status === 401)).toBe(false);
    shop.commit({ 'k8s/web.yaml': web('nginx:1.27') }, 'back to 1.27');
  });

  it('pins the commit for the whole rollout: later steps (even in a fresh sandbox) read it after a push', async () => {
    const apps = appsFromEnv(envWith(registry()));
    const resolved = await resolveApp(apps, 'shop');
    const pinned = rolloutSourceOf(resolved).source as GitRolloutSource;
    expect(pinned).toMatchObject({ kind: 'git', app: 'shop', repository: shop.url, ref: 'main', path: 'k8s' });
    shop.commit({ 'k8s/web.yaml': web('nginx:9.9') }, 'moved on');
    const read = gitFilesLoader(apps);
    expect((await read(pinned))['web.yaml']).toContain('nginx:1.27');
    rmSync(cacheDir, { recursive: true, force: true });
    const fresh = gitFilesLoader(appsFromEnv(envWith(registry())));
    expect((await fresh(pinned))['web.yaml']).toContain('nginx:1.27');
    expect((await resolveApp(apps, 'shop')).snapshot.files['web.yaml']).toContain('nginx:9.9');
    shop.commit({ 'k8s/web.yaml': web('nginx:1.27') }, 'back to 1.27');
  });

  it('the preview\'s Apply button carries the commit shown; --commit reads that commit, only from the registered ref', async () => {
    const shown = shop.commit({ 'k8s/web.yaml': web('nginx:1.29') }, 'shown in the preview');
    const preview = await consoleRun(envWith(registry()), ['/mesh inject web -n shop']);
    expect(preview.text).toContain(`"value":"inject shop.web -n shop --commit ${shown} --apply"`);
    shop.commit({ 'k8s/web.yaml': web('nginx:1.30') }, 'pushed after the preview');
    const again = await consoleRun(envWith(registry()), [`/mesh inject shop --commit ${shown}`]);
    expect(again.text).toContain(`commit ${shown.slice(0, 12)}`);
    const unknown = await consoleRun(envWith(registry()), [`/mesh inject shop --commit ${'0'.repeat(40)}`]);
    expect(unknown.text).toMatch(/:x: app shop: commit 000000000000 is not reachable from main in http:\/\/127\.0\.0\.1:\d+\/shop\.git/);
    const builtin = await consoleRun(envWith(registry()), [`/mesh inject guestbook --commit ${shown}`]);
    expect(builtin.text).toContain(':x: guestbook is built-in; --commit applies to apps from Git');
    shop.commit({ 'k8s/web.yaml': web('nginx:1.27') }, 'back to 1.27');
  });

  it('reads a pinned commit only from the app\'s own repository, even when another repository\'s checkout of it is cached', async () => {
    const other = server.createRepository('other');
    other.commit({ 'k8s/other.yaml': webService.replace('name: web', 'name: other') }, 'other app');
    const env = envWith(registry(`  other:\n    repository: ${other.url}\n    ref: main\n    path: k8s\n    credentials: {env: MESH_GIT_SHOP_TOKEN}\n`));
    const shopCommit = (rolloutSourceOf(await resolveApp(appsFromEnv(env), 'shop')).source as GitRolloutSource).commit;
    const { text } = await consoleRun(env, [`/mesh inject other --commit ${shopCommit}`]);
    expect(text).toMatch(new RegExp(`:x: app other: commit ${shopCommit.slice(0, 12)} is not reachable from main in http://127\\.0\\.0\\.1:\\d+/other\\.git`));
    expect(text).not.toContain('Injected');
  });

  it('reads tags and plan.yaml; a plan names the stages', async () => {
    const plan = 'stages:\n- name: service\n  manifests: [web-service.yaml]\n- name: web\n  manifests: [web.yaml]\n';
    shop.commit({ 'k8s/plan.yaml': plan }, 'plan');
    shop.tag('v1.0.0');
    shop.commit({ 'k8s/plan.yaml': null }, 'no plan');
    const tagged = appsFromEnv(envWith(registry().replace('ref: main', 'ref: v1.0.0')));
    expect(rolloutSourceOf(await resolveApp(tagged, 'shop')).stageNames).toEqual(['service', 'web']);
    const main = appsFromEnv(envWith(registry()));
    expect(rolloutSourceOf(await resolveApp(main, 'shop')).stageNames).toEqual(['all']);
  });

  it.each([
    ['bad credentials', () => envWith(registry(), 'wrong-token'), /^:x: app shop: http:\/\/127\.0\.0\.1:\d+\/shop\.git refused the credentials \(HTTP 401\)$/],
    ['an unreachable host', () => envWith(registry().replace(shop.url, `http://127.0.0.1:${closedPort}/shop.git`)), /^:x: app shop: cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED$/],
    ['an unknown repository', () => envWith(registry().replace('shop.git', 'nope.git')), /^:x: app shop: no repository at http:\/\/127\.0\.0\.1:\d+\/nope\.git \(HTTP 404\)$/],
    ['a ref that does not exist', () => envWith(registry().replace('ref: main', 'ref: release-9')), /^:x: app shop: ref "release-9" does not exist in .*shop\.git \(branches: main\)$/],
    ['a path that does not exist', () => envWith(registry().replace('path: k8s', 'path: deploy/k8s')), /^:x: app shop: path "deploy\/k8s" does not exist at commit [0-9a-f]{12}, or is not a directory$/],
  ])('%s: one clear line, nothing shown, and never the token', async (_label, env, expected) => {
    const { text, audit } = await consoleRun(env(), ['/mesh inject shop']);
    const errors = text.split('\n').filter((l) => l.startsWith(':x:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(expected);
    expect(text).not.toContain('Injected');
    expect([text, ...audit].join('\n')).not.toContain(TOKEN);
  });

  it('refuses symlinks leaving the checkout, and follows those inside it', async () => {
    const evil = server.createRepository('evil');
    evil.commit({ 'k8s/web.yaml': web('nginx'), 'k8s/passwd.yaml': { symlink: '../../../../etc/passwd' } }, 'escape');
    const env = envWith(registry().replace(shop.url, evil.url));
    const { text } = await consoleRun(env, ['/mesh inject shop']);
    expect(text).toMatch(/:x: app shop: k8s\/passwd.yaml is a symlink to "..\/..\/..\/..\/etc\/passwd", outside the checkout; refused/);
    evil.commit({ 'k8s/passwd.yaml': null, 'shared/svc.yaml': webService, 'k8s/svc.yaml': { symlink: '../shared/svc.yaml' } }, 'inside');
    const inside = await resolveApp(appsFromEnv(env), 'shop');
    expect(inside.snapshot.files['svc.yaml']).toBe(webService);
  });

  it('reports invalid YAML in the repository with file and line, and the size limits', async () => {
    const broken = server.createRepository('broken');
    broken.commit({ 'k8s/web.yaml': web('nginx'), 'k8s/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n' }, 'dup key');
    const env = envWith(registry().replace(shop.url, broken.url));
    const { text } = await consoleRun(env, ['/mesh deploy shop -n shop']);
    expect(text).toMatch(/:x: k8s\/bad\.yaml:5: .*(duplicate|unique)/i);
    broken.commit({ 'k8s/bad.yaml': null, 'k8s/huge.yaml': `# ${'x'.repeat(1024 * 1024 + 10)}\n` }, 'huge');
    const huge = await consoleRun(env, ['/mesh inject shop']);
    expect(huge.text).toMatch(/:x: app shop: k8s\/huge\.yaml is \d+ bytes, over the 1048576-byte limit per file/);
  });

  it('never sends a token over plain http to a host that is not loopback, even when the registry check is bypassed', async () => {
    const { resolveRemoteRef } = await import('../../src/git/repository');
    const remote = { url: 'http://git.example.com/team/shop.git', auth: { username: 'x-access-token', password: TOKEN } };
    await expect(resolveRemoteRef(remote, 'main')).rejects.toThrow('http://git.example.com/team/shop.git: refusing to send Git credentials over http:// (clear text); use https://');
    // credentials.env outside MESH_GIT_* is refused at fetch time too, before any variable is read.
    const app = { name: 'shop', source: { kind: 'git' as const, repository: shop.url, ref: 'main', path: 'k8s', credentials: { username: 'x', token: { env: 'AWS_SECRET_ACCESS_KEY' } } } };
    const { fetchAppFiles } = await import('../../src/apps/git-source');
    const before = server.requests.length;
    await expect(fetchAppFiles(app, app.source, { env: { AWS_SECRET_ACCESS_KEY: TOKEN }, cacheDir }, undefined)).rejects.toThrow(
      /^the Git token of app shop: credentials.env "AWS_SECRET_ACCESS_KEY" is not allowed/,
    );
    expect(server.requests.length).toBe(before);
  });

  it('mesh rbac generate reads the kinds of a Git app at its ref: its Role grants those, in its own namespace', async () => {
    const { runCli } = await import('../support/run-cli');
    const out = await runCli(['rbac', 'generate'], { env: envWith(registry()), cwd: process.cwd() });
    expect(out.code).toBe(0);
    // Its registry entry names the namespaces default and shop; the history namespace comes along.
    expect(out.stdout).toContain('kubectl create namespace default shop mesh-system');
    const role = out.stdout.split('\n---\n').find((doc) => doc.includes('kind: Role\n') && doc.includes('namespace: shop\n'))!;
    expect(role).toMatch(/- apps\n {4}resources:\n {6}- deployments\n {4}verbs:\n {6}- get\n {6}- list\n {6}- watch\n {6}- create\n {6}- patch\n {6}- delete/);
    expect(role).toContain('- mesh-rollout-shop');
    expect(role).not.toContain('configmaps');
    // Without the token the kinds cannot be known, and nothing is printed.
    const refused = await runCli(['rbac', 'generate'], { env: envWith(registry(), 'wrong-token'), cwd: process.cwd() });
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toMatch(/^mesh rbac: app shop: http:\/\/127\.0\.0\.1:\d+\/shop\.git refused the credentials \(HTTP 401\) \(its manifests' kinds decide its Role\)\n$/);
  });
});
