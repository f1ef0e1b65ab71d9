import { fitMessage, formatDuration, LIMITS, section, truncateText, type Block } from '../../src/slack/render/blocks';
import { applyProgress, newRolloutView, type ProgressEvent, type RolloutView } from '../../src/jobs/progress';
import { renderRolloutParent, renderThreadReply, threadLine } from '../../src/slack/render/rollout';
import { renderAutoinject, renderInjectSummary } from '../../src/slack/render/inject';
import { blocksToText } from '../../src/slack/render/text';

function run(events: ProgressEvent[]): RolloutView {
  return events.reduce(applyProgress, newRolloutView('guestbook', 'shop', 'U0ALICE', 0));
}

const started: ProgressEvent[] = [
  { type: 'started', at: 1000, rolloutId: 'guestbook-1', stages: ['redis', 'frontend'] },
  { type: 'stage-started', at: 1000, stage: 'redis' },
  { type: 'object-applied', at: 1100, stage: 'redis', object: 'Deployment/redis-leader' },
  { type: 'object-ready', at: 5000, stage: 'redis', object: 'Deployment/redis-leader' },
  { type: 'stage-done', at: 13300, stage: 'redis' },
  { type: 'stage-started', at: 13300, stage: 'frontend' },
];

function text(view: RolloutView, now: number): string {
  const message = renderRolloutParent(view, now);
  return blocksToText(message.blocks, message.text);
}

describe('rollout rendering', () => {
  it('shows who asked, app, namespace, stages with emoji and elapsed time, and a Cancel button while running', () => {
    const out = text(run(started), 20000);
    expect(out).toContain('Rollout of *guestbook* to `shop` — :rocket: running');
    expect(out).toContain(':white_check_mark: *redis* — 12.3s · 1/1 ready');
    expect(out).toContain(':hourglass_flowing_sand: *frontend* — running for 6.7s');
    expect(out).toContain('Requested by <@U0ALICE> · rollout `guestbook-1`');
    expect(out).toContain('[Cancel]');
  });

  it('ends with per-stage durations on success, without buttons', () => {
    const view = run([...started, { type: 'stage-done', at: 20000, stage: 'frontend' }, { type: 'finished', at: 20000 }]);
    const out = text(view, 99999);
    expect(out).toContain(':white_check_mark: succeeded');
    expect(out).toContain('*Done in 19.0s.* Stage durations: redis 12.3s · frontend 6.7s.');
    expect(out).not.toContain('[Cancel]');
  });

  it('states the failure and what is left', () => {
    const view = run([
      { type: 'started', at: 0, rolloutId: 'r', stages: ['redis', 'backend', 'frontend'] },
      { type: 'stage-started', at: 0, stage: 'redis' },
      { type: 'stage-done', at: 1000, stage: 'redis' },
      { type: 'stage-started', at: 1000, stage: 'backend' },
      { type: 'failed', at: 31000, stage: 'backend', diagnosis: { summary: 'pod backend-1 is in CrashLoopBackOff', pod: 'backend-1', reason: 'CrashLoopBackOff', events: ['Back-off restarting failed container'] } },
    ]);
    const out = text(view, 40000);
    expect(out).toContain(':x: *backend* — 30.0s');
    expect(out).toContain('*Failed in stage *backend* after 31.0s:* pod backend-1 is in CrashLoopBackOff. Not started: frontend. Details in the thread.');
    const reply = threadLine({ type: 'failed', at: 0, stage: 'backend', diagnosis: view.failure! })!;
    expect(reply).toContain('Pod: `backend-1` — reason *CrashLoopBackOff*');
    expect(reply).toContain('Back-off restarting failed container');
  });

  it('escapes names so Slack cannot read them as mentions', () => {
    expect(threadLine({ type: 'object-applied', at: 0, stage: 's', object: 'ConfigMap/<!channel>' })).toContain('&lt;!channel&gt;');
  });

  it('splits long thread replies into sections within the limits', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `• \`Deployment/workload-number-${i}\` applied (created)`);
    const reply = renderThreadReply(lines);
    expect(reply.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(JSON.stringify(reply.blocks).length).toBeLessThanOrEqual(LIMITS.totalBlocksChars);
    expect(blocksToText(reply.blocks, '')).toMatch(/more block\(s\) omitted/);
  });
});

describe('Block Kit limits', () => {
  it('truncates long section text with a note and keeps code fences closed', () => {
    const cut = truncateText(`\`\`\`${'x'.repeat(5000)}\`\`\``, 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/…\n```\n_\(truncated: \d+ more characters\)_$/);
  });

  it('keeps at most 50 blocks, keeping the buttons', () => {
    const blocks: Block[] = [...Array.from({ length: 80 }, (_, i) => section(`line ${i}`)), { type: 'actions', elements: [] }];
    const fitted = fitMessage({ text: 'x', blocks });
    expect(fitted.blocks).toHaveLength(50);
    expect(fitted.blocks[49]!.type).toBe('actions');
    expect(blocksToText(fitted.blocks, '')).toContain('32 more block(s) omitted');
  });

  it('bounds the total size', () => {
    const fitted = fitMessage({ text: 'y'.repeat(5000), blocks: Array.from({ length: 20 }, () => section('z'.repeat(2900))) });
    expect(JSON.stringify(fitted.blocks).length).toBeLessThanOrEqual(LIMITS.totalBlocksChars);
    expect(fitted.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    for (const b of fitted.blocks) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
  });

  it('formats durations', () => {
    expect([formatDuration(850), formatDuration(12345), formatDuration(125000)]).toEqual(['850ms', '12.3s', '2m05s']);
  });
});

describe('inject and autoinject rendering', () => {
  const summary = {
    app: 'guestbook', namespace: 'shop', requestedBy: 'U1', proxyImage: 'docker.io/istio/proxyv2:1.24.0', warnings: ['Service/x: skipped'],
    workloads: [{ kind: 'Deployment', name: 'frontend', injected: true, containersAdded: ['istio-init', 'istio-proxy'] }, { kind: 'Deployment', name: 'job', injected: false, containersAdded: [] }],
  };

  it('summarises and inlines small YAML with an Apply button', () => {
    const message = renderInjectSummary({ ...summary, yaml: 'kind: Deployment\n' });
    const out = blocksToText(message.blocks, message.text);
    expect(out).toContain('1 of 2 workload(s), 2 container(s) added, proxy image `docker.io/istio/proxyv2:1.24.0`');
    expect(out).toContain('• Deployment/frontend: + istio-init, istio-proxy');
    expect(out).toContain(':warning: Service/x: skipped');
    expect(out).toContain('```kind: Deployment\n```');
    expect(out).toContain('[Apply]');
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({ elements: [{ action_id: 'mesh_apply', value: 'inject guestbook -n shop --apply' }] });
  });

  it('points to the file for large YAML', () => {
    const out = blocksToText(renderInjectSummary({ ...summary, yaml: 'a: b\n'.repeat(2000) }).blocks, '');
    expect(out).toContain('attached in the thread');
  });

  it('offers Restart after autoinject enable when workloads lack the sidecar', () => {
    const message = renderAutoinject({ action: 'enable', namespace: 'shop', ok: true, enabled: true, missingSidecar: ['Deployment/frontend'] });
    expect(blocksToText(message.blocks, '')).toContain('[Restart them]');
    const status = renderAutoinject({ action: 'status', namespace: 'shop', ok: true, enabled: false, missingSidecar: ['Deployment/frontend'] });
    expect(blocksToText(status.blocks, '')).not.toContain('[Restart');
    const refused = renderAutoinject({ action: 'enable', namespace: 'shop', ok: false, enabled: false, missingSidecar: [], detail: 'no injector webhook' });
    expect(blocksToText(refused.blocks, '')).toBe(':x: Could not enable sidecar auto-injection for `shop`; it is :white_circle: off. no injector webhook');
  });
});
