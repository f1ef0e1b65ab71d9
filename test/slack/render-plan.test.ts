// Plans in Slack: counts in the message, buttons only while pending, the diff split to Block Kit's limits or
// attached as a file, and the history list.
import { LIMITS } from '../../src/slack/render/blocks';
import type { PlanView } from '../../src/jobs/reporter';
import { renderHistory, renderPlanDiff, renderPlanMessage } from '../../src/slack/render/plan';
import { blocksToText } from '../../src/slack/render/text';

const counts = { create: 1, change: 1, unchanged: 2, delete: 0 };
const view: PlanView = {
  label: 'shop', namespace: 'prod', cluster: 'eu', requestedBy: 'U0ALICE', hash: 'ab'.repeat(32),
  stages: [{ name: 'backends', counts }], counts, deleted: [], problems: [],
};
const pending = { id: 'c'.repeat(32), status: 'pending' as const, rule: 'prod', required: 2, approvals: ['U0BOB'], validUntil: '2026-11-30T00:00:00.000Z', channel: 'C0OPS', requester: 'U0ALICE', app: 'shop', cluster: 'eu' };

describe('plan messages', () => {
  it('a preview: counts per stage, the plan id, and that nothing was changed — no buttons', () => {
    const text = blocksToText(renderPlanMessage(view).blocks, '');
    expect(text).toContain(':clipboard: Plan — Deploy of *shop* to `prod` on cluster *eu*: 1 to create, 1 to change, 2 unchanged');
    expect(text).toContain('*backends*: 1 to create, 1 to change, 2 unchanged');
    expect(text).toContain(`plan \`${'ab'.repeat(6)}\``);
    expect(text).toContain('nothing was changed');
    expect(text).not.toContain('[Approve]');
  });

  it('a pending approval carries Approve and Reject naming the stored plan; once decided the buttons are gone', () => {
    const message = renderPlanMessage({ ...view, approval: pending });
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions?.type === 'actions' && actions.elements.map((b) => [b.text.text, b.action_id, JSON.parse(b.value)])).toEqual([
      ['Approve', 'mesh_approve', { id: pending.id, app: 'shop', namespace: 'prod', cluster: 'eu', channel: 'C0OPS', requester: 'U0ALICE' }],
      ['Reject', 'mesh_reject', { id: pending.id, app: 'shop', namespace: 'prod', cluster: 'eu', channel: 'C0OPS', requester: 'U0ALICE' }],
    ]);
    expect(blocksToText(message.blocks, '')).toContain('1/2 approval(s) under _prod_');
    const rejected = renderPlanMessage({ ...view, approval: { ...pending, status: 'rejected', decidedBy: 'U0BOB' } });
    expect(rejected.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(blocksToText(rejected.blocks, '')).toContain(':no_entry_sign: *Rejected* by <@U0BOB>');
  });

  it('a plan of thousands of objects still fits one message (buttons kept)', () => {
    const stages = Array.from({ length: 400 }, (_, i) => ({ name: `stage-${i}-${'x'.repeat(40)}`, counts }));
    const message = renderPlanMessage({ ...view, stages, approval: pending });
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(LIMITS.totalBlocksChars);
    expect(message.blocks.at(-1)?.type).toBe('actions');
  });
});

describe('the diff in the thread', () => {
  const line = (i: number) => `    ~ spec.template.spec.containers[name=c${i}].image: "registry.example.com/app:${i}" → "registry.example.com/app:${i + 1}"`;

  it('is split into code blocks within the section limit, every line kept once', () => {
    const diff = Array.from({ length: 60 }, (_, i) => line(i)).join('\n');
    const { replies, file } = renderPlanDiff(diff, 'ab'.repeat(32));
    expect(file).toBeUndefined();
    expect(replies.length).toBeGreaterThan(1);
    for (const r of replies) for (const b of r.blocks) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    const back = replies.map((r) => blocksToText(r.blocks, '').replace(/^```|```$/g, '')).join('\n');
    expect(back.split('\n')).toEqual(diff.split('\n'));
  });

  it('goes to a file when long, with a note in the thread', () => {
    const diff = Array.from({ length: 200 }, (_, i) => line(i)).join('\n');
    const { replies, file } = renderPlanDiff(diff, 'ab'.repeat(32));
    expect(file).toEqual({ filename: `plan-${'ab'.repeat(6)}.diff`, title: `Plan ${'ab'.repeat(6)}`, content: diff });
    expect(blocksToText(replies[0]!.blocks, '')).toBe('_The full diff (200 lines) is attached as a file._');
  });
});

describe('history', () => {
  it('lists revisions newest first with outcome, approver, commit, plan and rollback target', () => {
    const text = blocksToText(
      renderHistory({
        app: 'shop', namespace: 'prod', limit: 10,
        revisions: [
          { revision: 3, outcome: 'succeeded', at: '2026-11-29T23:00:00Z', by: 'Slack user U0ALICE', approvedBy: ['U0BOB'], commit: 'f'.repeat(40), planHash: 'a'.repeat(64), rollbackTo: 1, objects: 2 },
          { revision: 2, outcome: 'failed', at: '2026-11-29T22:00:00Z', by: 'Slack user U0ALICE', objects: 3 },
        ],
      }).blocks,
      '',
    );
    expect(text).toContain(':white_check_mark: *#3* succeeded · 2026-11-29T23:00:00Z · by Slack user U0ALICE · approved by <@U0BOB> · commit `ffffffffffff` · plan `aaaaaaaaaaaa` · 2 object(s) · rollback to #1');
    expect(text).toContain(':x: *#2* failed · 2026-11-29T22:00:00Z · by Slack user U0ALICE · built-in · 3 object(s)');
    expect(text.indexOf('#3')).toBeLessThan(text.indexOf('#2'));
  });
});
