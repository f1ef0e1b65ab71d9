// Safe deploys from chat, end to end on the real local cluster: signed Slack requests and button presses through
// the console's handler, the in-process job runner and the Slack stand-in, an app from the loopback Git server.
// Plans (create / change / unchanged / delete), the two-person rule for protected namespaces (approval by a
// second user; self-approval, another channel, a tampered button, a changed plan, an expired plan refused;
// rejection), rollback after a crash-looping revision, and the bounded history.
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { startConsole, type ConsoleSession, type SendAs } from '../../src/console/session';
import { readHistory } from '../../src/rollout/record';
import { parsePolicy } from '../../src/slack/policy-file';
import { blocksToText } from '../../src/slack/render/text';
import type { StandinEvent, StandinMessage } from '../../src/slack/standin';
import { startGitServer, type GitRepository, type GitServer } from '../support/git-server';
import { FAIL_ANNOTATION, kubeConfig, waitUntil, withNamespace } from './setup/cluster';

const TOKEN = 'safe-deploy-git-token';
const REQUESTER = 'U0CONSOLE';
const APPROVER = 'U0BOB';
const cacheDir = path.join(os.tmpdir(), `mesh-safe-deploy-git-${process.pid}`);

const policy = parsePolicy(
  `
rules:
  - name: the team deploys
    users: [${REQUESTER}, ${APPROVER}, U0EVE]
    permissions: ["*"]
    namespaces: ["*"]
protected:
  - name: production needs a second person
    namespaces: ["sd-prod-*"]
    approvers: {users: [${APPROVER}, U0CAROL, ${REQUESTER}]}
    validFor: 1h
  - name: short-lived approvals
    namespaces: ["sd-expire-*"]
    approvers: {users: [${APPROVER}, U0CAROL]}
    validFor: 2s
`,
  'test-policy.yaml',
);

const web = (image: string, extra: { crash?: boolean; replicas?: number } = {}) =>
  [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', `  replicas: ${extra.replicas ?? 1}`,
    '  selector:', '    matchLabels: {app: web}', '  template:', '    metadata:', '      labels: {app: web}',
    ...(extra.crash ? ['      annotations:', `        ${FAIL_ANNOTATION}: CrashLoopBackOff`] : []),
    '    spec:', '      containers:', '      - name: web', `        image: ${image}`, '',
  ].join('\n');
const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n';
const worker = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  selector:\n    matchLabels: {app: worker}\n  template:\n    metadata:\n      labels: {app: worker}\n    spec:\n      containers:\n      - name: worker\n        image: worker:1\n';

let server: GitServer;
let shop: GitRepository;
let session: ConsoleSession;
const audit: string[] = [];
const ephemerals: string[] = [];

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  shop = server.createRepository('shop');
  shop.commit({ 'k8s/web.yaml': web('nginx:1.27'), 'k8s/service.yaml': service }, 'first');
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

async function open(historyLimit?: number): Promise<ConsoleSession> {
  audit.length = 0;
  ephemerals.length = 0;
  session = await startConsole({
    env: { MESH_APPS: `apps:\n  shop:\n    repository: ${shop.url}\n    ref: main\n    path: k8s\n    credentials: {env: MESH_GIT_SHOP_TOKEN}\n    namespaces: ["sd-*"]\n`, MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir },
    kube: async () => kubeConfig(), policy, audit: (line) => audit.push(line), stageTimeoutMs: 30_000,
    ...(historyLimit ? { historyLimit } : {}),
  });
  listen();
  return session;
}

function listen(): void {
  session.standin.events.on('event', (e: StandinEvent) => {
    if (e.type === 'ephemeral') ephemerals.push(blocksToText(e.blocks, e.text));
  });
}
afterEach(() => session?.close());

// The door's ack ("Working on …") and the job's answer race to the stand-in: look at the refusals only.
const lastRefusal = () => ephemerals.filter((e) => e.startsWith(':no_entry:')).at(-1);
const textOf = (m: StandinMessage) => blocksToText(m.blocks, m.text);
const parents = () => session.standin.messages.filter((m) => !m.threadTs);
const thread = (parent: StandinMessage) => session.standin.messages.filter((m) => m.threadTs === parent.ts).map(textOf).join('\n');
const planMessage = () => parents().find((m) => /^Plan for /.test(m.text))!;
const auditEvents = () => audit.map((l) => JSON.parse(l) as { source?: string; event?: string; user: string; reason?: string }).filter((a) => a.source === 'approval');

async function run(line: string, as?: SendAs): Promise<string> {
  const ack = await session.send(line, as);
  await session.runner.idle();
  return ack.text;
}

async function deployment(namespace: string, name = 'web') {
  return kubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace }).catch(() => undefined);
}

function buttonValue(message: StandinMessage, label: string): string {
  for (const block of message.blocks ?? []) {
    if (block.type === 'actions') {
      const found = block.elements.find((b) => b.text.text === label);
      if (found) return found.value;
    }
  }
  throw new Error(`no ${label} button on ${message.text}`);
}

describe('/mesh deploy --plan', () => {
  const ns = withNamespace('sd-plan');

  it('shows what would be created, changed and left unchanged — counts in the message, the diff in its thread — and changes nothing', async () => {
    await open();
    await run(`/mesh deploy shop -n ${ns.name} --plan`);
    const first = planMessage();
    expect(textOf(first)).toMatch(new RegExp(`:clipboard: Plan — Deploy of \\*shop\\* to \`${ns.name}\`: 2 to create, 0 to change, 0 unchanged`));
    expect(textOf(first)).toMatch(/plan `[0-9a-f]{12}` · commit [0-9a-f]{12} .* · full diff in the thread · nothing was changed/);
    expect(thread(first)).toContain('+ deployment/web created');
    expect(thread(first)).toContain('+ service/web created');
    expect(await deployment(ns.name)).toBeUndefined();
    await session.close();

    await open();
    await run(`/mesh deploy shop -n ${ns.name}`);
    expect((await deployment(ns.name))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
    await session.close();

    shop.commit({ 'k8s/web.yaml': web('nginx:1.28') }, 'new image');
    await open();
    await run(`/mesh deploy shop -n ${ns.name} --plan`);
    const second = planMessage();
    expect(textOf(second)).toContain('0 to create, 1 to change, 1 unchanged');
    expect(thread(second)).toContain('~ deployment/web changed');
    expect(thread(second)).toContain('~ spec.template.spec.containers[name=web].image: "nginx:1.27" → "nginx:1.28"');
    expect(thread(second)).toContain('= service/web unchanged');
    expect((await deployment(ns.name))?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
  });
});

describe('the two-person rule in a protected namespace', () => {
  const ns = withNamespace('sd-prod');

  it('posts the plan with Approve/Reject instead of starting; refuses self-approval, other channels, tampered buttons and non-approvers; a second user approves and it rolls out', async () => {
    await open();
    const ack = await run(`/mesh deploy shop -n ${ns.name}`);
    expect(ack).toMatch(/Working on `deploy shop -n sd-prod-/);
    const plan = planMessage();
    expect(textOf(plan)).toContain(':hourglass_flowing_sand: *Waiting for approval* — 0/1 approval(s) under _production needs a second person_');
    expect(textOf(plan)).toContain('[Approve] [Reject]');
    expect(thread(plan)).toMatch(/<@U0CONSOLE> asked for approval of plan `[0-9a-f]{12}`/);
    expect(await deployment(ns.name)).toBeUndefined();
    const value = buttonValue(plan, 'Approve');

    await run('click Approve');
    expect(lastRefusal()).toContain('you requested this plan; the two-person rule needs someone else to approve it; nothing was changed.');
    await run('click Approve', { user: APPROVER, channel: 'C0ELSEWHERE' });
    expect(lastRefusal()).toContain('this approval was requested in another channel');
    await run('click Approve', { user: 'U0EVE' });
    expect(lastRefusal()).toContain('<@U0EVE> is not an approver of "production needs a second person"');
    const tampered = JSON.stringify({ ...JSON.parse(value), id: 'f'.repeat(32) });
    await run('click Approve', { user: APPROVER, value: tampered });
    expect(lastRefusal()).toContain('this button matches no pending approval');
    // A button forged to name someone else as requester gets past the door; the stored plan still knows.
    await run('click Approve', { value: JSON.stringify({ ...JSON.parse(value), requester: APPROVER }) });
    expect(lastRefusal()).toContain('you requested this plan');
    expect(await deployment(ns.name)).toBeUndefined();

    await run('click Approve', { user: APPROVER });
    const rollout = parents().find((m) => /^Rollout of shop/.test(m.text))!;
    expect(rollout.text).toBe(`Rollout of shop to ${ns.name}: succeeded`);
    expect(textOf(planMessage())).toContain(':white_check_mark: *Approved* — 1/1 approval(s)');
    expect(textOf(planMessage())).not.toContain('[Approve]');
    expect(thread(planMessage())).toContain('<@U0BOB> approved (1/1); the rollout of plan');
    expect(thread(rollout)).toMatch(/:clipboard: Plan [0-9a-f]{12}: 0 to create|:clipboard: Plan [0-9a-f]{12}: 2 to create/);
    expect(await deployment(ns.name)).toBeDefined();

    const [latest] = await readHistory(kubeConfig(), ns.name, 'shop');
    expect(latest).toMatchObject({ outcome: 'succeeded', by: 'Slack user U0CONSOLE', approvedBy: [APPROVER], planHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The tampered id and the forged requester are refused by the job (the door refused the others).
    expect(auditEvents().map((a) => `${a.event} ${a.user}`)).toEqual([
      'approval-requested U0CONSOLE',
      'approval-refused U0BOB',
      'approval-refused U0CONSOLE',
      'approval-approved U0BOB',
    ]);
    // The door's own refusals are audit lines too.
    expect(audit.filter((l) => /"decision":"deny"/.test(l)).length).toBeGreaterThanOrEqual(3);

    await run('click Approve', { user: 'U0CAROL', value });
    expect(lastRefusal()).toContain('this plan was already approved by <@U0BOB>');
  });

  it('refuses an approval when the live objects changed after the plan was shown, and says what changed', async () => {
    await open();
    await run(`/mesh deploy shop -n ${ns.name}`);
    expect(textOf(planMessage())).toContain('0 to create, 0 to change, 2 unchanged');
    const apps = kubeConfig().makeApiClient(AppsV1Api);
    const live = (await deployment(ns.name))!;
    await apps.replaceNamespacedDeployment({ name: 'web', namespace: ns.name, body: { ...live, spec: { ...live.spec!, replicas: 3 } } });
    await run('click Approve', { user: APPROVER });
    const rollout = parents().find((m) => /^Rollout of shop/.test(m.text))!;
    expect(textOf(rollout)).toContain(':x: failed');
    expect(textOf(rollout)).toContain('the plan changed since it was approved (was: all: unchanged deployment/web; now: all: change deployment/web (spec.replicas))');
    expect((await deployment(ns.name))?.spec?.replicas).toBe(3);
  });

  it('refuses an approval when the branch moved to another commit after the plan was shown', async () => {
    await open();
    await run(`/mesh deploy shop -n ${ns.name}`);
    const before = (await deployment(ns.name))?.spec?.template.spec?.containers[0]?.image;
    shop.commit({ 'k8s/web.yaml': web('nginx:1.29') }, 'pushed while waiting for approval');
    await run('click Approve', { user: APPROVER });
    expect(parents().some((m) => /^Rollout of/.test(m.text))).toBe(false);
    expect(textOf(planMessage())).toMatch(/:x: \*Not started\* — the commit changed since the plan was shown: main is now at [0-9a-f]{12}, the plan was made at [0-9a-f]{12}/);
    expect(auditEvents().at(-1)).toMatchObject({ event: 'approval-refused', user: APPROVER, reason: expect.stringContaining('the commit changed') });
    expect((await deployment(ns.name))?.spec?.template.spec?.containers[0]?.image).toBe(before);
  });

  it('a rejection ends the plan: nothing deployed, a later Approve refused', async () => {
    await open();
    shop.commit({ 'k8s/web.yaml': web('nginx:1.30') }, 'to be rejected');
    await run(`/mesh deploy shop -n ${ns.name}`);
    const value = buttonValue(planMessage(), 'Approve');
    await run('click Reject', { user: APPROVER });
    expect(textOf(planMessage())).toContain(':no_entry_sign: *Rejected* by <@U0BOB>; nothing was changed.');
    expect(thread(planMessage())).toContain('<@U0BOB> rejected plan');
    await run('click Approve', { user: 'U0CAROL', value });
    expect(lastRefusal()).toContain('this plan was already rejected by <@U0BOB>');
    expect((await deployment(ns.name))?.spec?.template.spec?.containers[0]?.image).not.toBe('nginx:1.30');
    expect(auditEvents().map((a) => a.event)).toEqual(['approval-requested', 'approval-rejected', 'approval-refused']);
  });
});

describe('a newer request', () => {
  const ns = withNamespace('sd-prod-replaced');

  it('closes the pending plan it replaces: no buttons, a line in its thread, an audit line; its button is refused', async () => {
    await open();
    await run(`/mesh deploy shop -n ${ns.name}`);
    const first = planMessage();
    const value = buttonValue(first, 'Approve');
    await run(`/mesh deploy shop -n ${ns.name}`, { user: 'U0EVE' });
    expect(textOf(first)).toMatch(/:x: \*Not started\* — replaced by a newer plan [0-9a-f]{12}/);
    expect(textOf(first)).not.toContain('[Approve]');
    expect(thread(first)).toMatch(/:arrows_counterclockwise: Replaced by a newer plan `[0-9a-f]{12}` requested by <@U0EVE>\. Nothing was changed\./);
    await run('click Approve', { user: APPROVER, value });
    expect(lastRefusal()).toContain('this button matches no pending approval');
    expect(auditEvents().map((a) => a.event)).toEqual(['approval-requested', 'approval-replaced', 'approval-requested', 'approval-refused']);
    expect(await deployment(ns.name)).toBeUndefined();
  });
});

describe('expiry', () => {
  const ns = withNamespace('sd-expire');

  it('an approval pressed after the validity is refused, and so is its replay', async () => {
    await open();
    await run(`/mesh deploy shop -n ${ns.name}`);
    const value = buttonValue(planMessage(), 'Approve');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await run('click Approve', { user: APPROVER });
    expect(textOf(planMessage())).toMatch(/:alarm_clock: \*Expired\* at .* without enough approvals; nothing was changed\./);
    expect(thread(planMessage())).toContain("<@U0BOB>'s approve came too late");
    // (The same press by the same user within a minute is one job — Slack's retries — so another approver replays it.)
    await run('click Approve', { user: 'U0CAROL', value });
    expect(lastRefusal()).toContain('this plan was already expired');
    expect(await deployment(ns.name)).toBeUndefined();
    expect(auditEvents().map((a) => a.event)).toEqual(['approval-requested', 'approval-expired', 'approval-refused']);
  });

  it('a plan nobody approved in time is closed as expired by the next request, in its thread', async () => {
    await open();
    await run(`/mesh deploy shop -n ${ns.name}`);
    const first = planMessage();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await run(`/mesh deploy shop -n ${ns.name}`, { user: APPROVER });
    expect(textOf(first)).toMatch(/:alarm_clock: \*Expired\* at /);
    expect(thread(first)).toMatch(/:alarm_clock: The approval expired at .* without enough approvals\. Nothing was changed\./);
    expect(auditEvents().map((a) => a.event)).toEqual(['approval-requested', 'approval-expired', 'approval-requested']);
  });
});

describe('/mesh rollback after a bad deploy', () => {
  const ns = withNamespace('sd-rollback');

  it('returns to the healthy revision with the same engine, deleting what the bad one added; history is bounded', async () => {
    const repo = server.createRepository('rollback-app');
    repo.commit({ 'k8s/web.yaml': web('nginx:1.27'), 'k8s/service.yaml': service }, 'healthy');
    session = await startConsole({
      env: { MESH_APPS: `apps:\n  shop:\n    repository: ${repo.url}\n    ref: main\n    path: k8s\n    credentials: {env: MESH_GIT_SHOP_TOKEN}\n    namespaces: ["sd-*"]\n`, MESH_GIT_SHOP_TOKEN: TOKEN, MESH_GIT_CACHE_DIR: cacheDir },
      kube: async () => kubeConfig(), policy, stageTimeoutMs: 30_000, historyLimit: 3,
    });
    listen();
    await run(`/mesh deploy shop -n ${ns.name}`);
    expect(parents().at(-1)!.text).toBe(`Rollout of shop to ${ns.name}: succeeded`);
    repo.commit({ 'k8s/web.yaml': web('nginx:broken', { crash: true }), 'k8s/worker.yaml': worker }, 'crash-looping, adds a worker');
    // Another user, so the same command text within a minute is a new job, not a duplicate.
    await run(`/mesh deploy shop -n ${ns.name}`, { user: APPROVER });
    const bad = parents().at(-1)!;
    expect(textOf(bad)).toContain(':x: failed');
    expect(thread(bad)).toContain('CrashLoopBackOff');
    expect(await deployment(ns.name, 'worker')).toBeDefined();

    await run(`/mesh rollback shop -n ${ns.name} --plan`);
    const plan = planMessage();
    expect(textOf(plan)).toMatch(/Plan — Rollback of \*shop\* to revision 1 to `sd-rollback-[^`]+`: 0 to create, 1 to change, 1 unchanged, 1 to delete/);
    expect(textOf(plan)).toContain('*deleted after the last stage*: `deployment/worker`');
    expect(thread(plan)).toContain('- deployment/worker deleted');
    expect(thread(plan)).toContain('~ spec.template.spec.containers[name=web].image: "nginx:broken" → "nginx:1.27"');

    await run(`/mesh rollback shop -n ${ns.name}`);
    const rollback = parents().at(-1)!;
    if (!/succeeded/.test(rollback.text)) throw new Error(`${textOf(rollback)}\n${thread(rollback)}`);
    expect(rollback.text).toBe(`Rollout of shop to ${ns.name}: succeeded`);
    expect(thread(rollback)).toContain('deployment/worker deleted (not part of the revision rolled back to)');
    expect(await deployment(ns.name, 'worker')).toBeUndefined();
    const web1 = await deployment(ns.name);
    expect(web1?.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
    expect(web1?.status?.readyReplicas).toBe(1);
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await waitUntil('the crash-looping pods gone', async () =>
      !(await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' })).items.some((p) => p.metadata?.annotations?.[FAIL_ANNOTATION]),
    );

    let history = await readHistory(kubeConfig(), ns.name, 'shop');
    expect(history.map((r) => `${r.revision} ${r.outcome}${r.rollbackTo ? ` to ${r.rollbackTo}` : ''}`)).toEqual(['3 succeeded to 1', '2 failed', '1 succeeded']);
    await run(`/mesh history shop -n ${ns.name}`);
    const historyReply = session.standin.calls.filter((c) => c.method === 'response_url').map((c) => blocksToText(c.args.blocks as never, String(c.args.text))).join('\n');
    expect(historyReply).toMatch(/:scroll: History of \*shop\* in `sd-rollback-[^`]+` \(newest first, the last 3 kept\)/);
    expect(historyReply).toMatch(/:white_check_mark: \*#3\* succeeded · .* · rollback to #1/);
    expect(historyReply).toMatch(/:x: \*#2\* failed/);

    // A fourth revision pushes the first out of the bounded history.
    await run(`/mesh deploy shop -n ${ns.name} --commit ${history[2]!.commit}`);
    history = await readHistory(kubeConfig(), ns.name, 'shop');
    expect(history.map((r) => r.revision)).toEqual([4, 3, 2]);
  });
});
