// `/mesh deploy guestbook` end to end on the real local cluster: the console's signed handler path, the
// in-process job runner and the Slack stand-in; asserts the message sequence the channel would see.
import { CoreV1Api } from '@kubernetes/client-node';
import { startConsole, type ConsoleSession } from '../../src/console/session';
import { blocksToText } from '../../src/slack/render/text';
import type { RecordedCall } from '../../src/slack/standin';
import { slackFaults, type SlackFaults } from '../support/slack-faults';
import { kubeConfig, waitUntil, withNamespace } from './setup/cluster';

function text(call: RecordedCall): string {
  return blocksToText(call.args.blocks as never, String(call.args.text ?? ''));
}

async function startConsoleSession(stageTimeoutMs?: number): Promise<ConsoleSession> {
  faults = slackFaults();
  session = await startConsole({ env: {}, kube: async () => kubeConfig(), ...(stageTimeoutMs ? { stageTimeoutMs } : {}), slackStandin: { intercept: faults.intercept } });
  return session;
}

function parentUpdates(session: ConsoleSession, parentTs: string): RecordedCall[] {
  return session.standin.calls.filter((c) => c.method === 'chat.update' && c.args.ts === parentTs);
}

let session: ConsoleSession | undefined;
let faults: SlackFaults;
afterEach(() => session?.close());

describe('/mesh deploy guestbook through the Slack door', () => {
  const ns = withNamespace('slack-deploy');

  it('posts one parent message, updates it in place at most once a second, details in its thread, durations at the end', async () => {
    const session = await startConsoleSession();
    const ack = await session.send(`/mesh deploy guestbook -n ${ns.name}`);
    expect(ack).toMatchObject({ status: 200, text: expect.stringMatching(/Working on `deploy guestbook -n /) });
    await session.runner.idle();

    const calls = session.standin.calls;
    const parents = calls.filter((c) => c.method === 'chat.postMessage' && !c.args.thread_ts);
    expect(parents).toHaveLength(1);
    const parentTs = session.standin.messages.find((m) => !m.threadTs)!.ts;
    expect(text(parents[0]!)).toMatch(/Rollout of \*guestbook\* to `slack-deploy-.*` — :inbox_tray: queued/);
    expect(text(parents[0]!)).toContain('Requested by <@U0CONSOLE>');

    const updates = parentUpdates(session, parentTs);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < updates.length; i += 1) expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(950);
    expect(updates.some((u) => /:rocket: running/.test(text(u)) && /\[Cancel\]/.test(text(u)))).toBe(true);
    const final = text(updates.at(-1)!);
    expect(final).toContain(':white_check_mark: succeeded');
    const d = '\\d[\\d.m]*s';
    expect(final).toMatch(new RegExp(`\\*Done in ${d}\\.\\* Stage durations: backends ${d} · guestbook-service ${d} · guestbook-ui ${d}\\.`));
    expect(final).not.toContain('[Cancel]');
    expect(calls.at(-1)).toMatchObject({ method: 'chat.update', args: { ts: parentTs } });

    const thread = calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === parentTs).map(text).join('\n');
    expect(thread).toContain('Stage *backends* started');
    expect(thread).toMatch(/`deployment\/mysql` applied \(created\)/i);
    expect(thread).toContain('Stage *guestbook-ui* done');
    expect([...session.runner.states.values()][0]).toMatchObject({ done: true, outcome: 'succeeded' });
  });

});

describe('/mesh deploy of a rollout that fails', () => {
  const ns = withNamespace('slack-fail');

  it('reports a failing rollout: the failed stage, the reason and what was left, details in the thread', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedResourceQuota({ namespace: ns.name, body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } } });
    const session = await startConsoleSession(4000);
    await session.send(`/mesh deploy guestbook -n ${ns.name}`);
    await session.runner.idle();

    const parentTs = session.standin.messages.find((m) => !m.threadTs)!.ts;
    const final = text(parentUpdates(session, parentTs).at(-1)!);
    expect(final).toContain(':x: failed');
    expect(final).toMatch(/:x: \*backends\*/);
    expect(final).toMatch(/\*Failed in stage \*backends\* after \d[\d.m]*s:\*/);
    expect(final).toContain('Not started: guestbook-service, guestbook-ui.');
    const thread = session.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === parentTs).map(text).join('\n');
    expect(thread).toMatch(/:x: \*Failed in stage backends:\*/);
    expect([...session.runner.states.values()][0]).toMatchObject({ done: true, outcome: 'failed' });
  });
});

describe('buttons and read-only commands on a running rollout', () => {
  const ns = withNamespace('slack-cancel');

  it('Cancel on the parent message stops the rollout; status shows it', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedResourceQuota({ namespace: ns.name, body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } } });
    const session = await startConsoleSession(120_000);
    await session.send(`/mesh deploy guestbook -n ${ns.name}`);
    await waitUntil('a Cancel button on the parent message', async () =>
      session.standin.messages.some((m) => JSON.stringify(m.blocks ?? []).includes('"mesh_cancel"')),
    );
    const ephemerals: string[] = [];
    session.standin.events.on('event', (e: { type: string; text?: string; blocks?: never }) => {
      if (e.type === 'ephemeral') ephemerals.push(blocksToText(e.blocks, e.text ?? ''));
    });
    expect(await session.send(`/mesh status guestbook -n ${ns.name}`)).toMatchObject({ status: 200 });
    expect(await session.send('click Cancel')).toMatchObject({ status: 200 });
    await session.runner.idle();

    const parentTs = session.standin.messages.find((m) => !m.threadTs)!.ts;
    const final = text(parentUpdates(session, parentTs).at(-1)!);
    expect(final).toContain(':no_entry_sign: cancelled');
    expect(final).toContain('Not started: guestbook-service, guestbook-ui.');
    expect(ephemerals.join('\n')).toMatch(/:bar_chart: \*guestbook\* in `slack-cancel-[^`]+`[\s\S]*Rollout `slack-cancel-[^`]+` in progress/);
    expect(ephemerals.join('\n')).toMatch(/Working on `cancel slack-cancel-/);
    expect(ephemerals.join('\n')).toMatch(/Cancel requested for rollout/);
    const outcomes = [...session.runner.states.values()].map((s) => `${s.job.command.kind}:${s.outcome}`).sort();
    expect(outcomes).toEqual(['cancel:succeeded', 'deploy:cancelled', 'status:succeeded']);
  });
});

describe('Apply button through a Slack outage', () => {
  const ns = withNamespace('slack-apply');

  it('rolls out the injected app and posts the final state once Slack is back', async () => {
    const session = await startConsoleSession();
    await session.send(`/mesh inject guestbook -n ${ns.name}`);
    await session.runner.idle();
    expect(session.standin.messages.map((m) => m.text)).toEqual([expect.stringMatching(/^Injected guestbook/)]);
    expect(await session.send('click Apply')).toMatchObject({ status: 200 });
    await waitUntil('the rollout parent message', async () => session.standin.messages.some((m) => /^Rollout of guestbook/.test(m.text)));
    faults.setDown(true);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    faults.setDown(false);
    await session.runner.idle();
    expect(faults.refusedWhileDown()).toBeGreaterThan(0);

    const parent = session.standin.messages.find((m) => /^Rollout of guestbook/.test(m.text))!;
    expect(blocksToText(parent.blocks, parent.text)).toContain(':white_check_mark: succeeded');
    const pods = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns.name });
    expect(pods.items.length).toBeGreaterThan(0);
    // Native sidecars (the engine's default): istio-proxy is an init container with restartPolicy Always.
    for (const pod of pods.items) expect([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name)).toContain('istio-proxy');
    const deploy = [...session.runner.states.values()].find((s) => s.job.command.kind === 'inject' && s.job.text.endsWith('--apply'));
    expect(deploy).toMatchObject({ done: true, outcome: 'succeeded' });
  });
});

describe('/mesh autoinject status', () => {
  const ns = withNamespace('slack-autoinject');

  it('answers only the caller with the namespace injection state', async () => {
    const session = await startConsoleSession();
    const replies: string[] = [];
    session.standin.events.on('event', (e: { type: string; text?: string; blocks?: never }) => {
      if (e.type === 'ephemeral') replies.push(blocksToText(e.blocks, e.text ?? ''));
    });
    await session.send(`/mesh autoinject status ${ns.name}`);
    await session.runner.idle();
    expect(replies.join('\n')).toContain(`Sidecar auto-injection for \`${ns.name}\` is :white_circle: off.`);
    expect(session.standin.messages).toEqual([]);
  });
});
