// Renders plans (`--plan`, approval requests, rollbacks), their approval state and buttons, and an app's
// history. Counts go in the message; the full diff goes in its thread, split to fit, or as a file when long.
import { APPROVE_ACTION, CANCEL_ACTION, REJECT_ACTION, type ApprovalButtonValue } from '../actions';
import type { ApprovalEvent, ApprovalView, CanaryLine, CanaryView, HistoryView, PlanCountsView, PlanView, TrafficShiftView } from '../../jobs/reporter';
import { button, context, escapeMrkdwn, fitMessage, section, type Block, type SlackMessage } from './blocks';

/** Diffs up to this size go in the thread as code blocks (a few replies); longer ones as a file. */
export const INLINE_DIFF_LIMIT = 8000;
const CHUNK = 2800;

const countsText = (c: PlanCountsView) => `${c.create} to create, ${c.change} to change, ${c.unchanged} unchanged${c.delete ? `, ${c.delete} to delete` : ''}`;

const STATUS_LINE: Record<ApprovalView['status'], string> = {
  pending: ':hourglass_flowing_sand: *Waiting for approval*',
  approved: ':white_check_mark: *Approved*',
  rejected: ':no_entry_sign: *Rejected*',
  expired: ':alarm_clock: *Expired*',
  refused: ':x: *Not started*',
};

function approvalLine(a: ApprovalView): string {
  const who = a.approvals.length ? ` Approved so far by ${a.approvals.map((u) => `<@${u}>`).join(', ')}.` : '';
  const progress = `${a.approvals.length}/${a.required} approval(s) under _${escapeMrkdwn(a.rule)}_`;
  switch (a.status) {
    case 'pending':
      return `${STATUS_LINE.pending} — ${progress}, valid until ${escapeMrkdwn(a.validUntil)}; the requester cannot approve their own plan.${who}`;
    case 'approved':
      return `${STATUS_LINE.approved} — ${progress}; the rollout started.${who}`;
    case 'rejected':
      return `${STATUS_LINE.rejected} by <@${a.decidedBy ?? '?'}>; nothing was changed.`;
    case 'expired':
      return `${STATUS_LINE.expired} at ${escapeMrkdwn(a.validUntil)} without enough approvals; nothing was changed.`;
    case 'refused':
      return `${STATUS_LINE.refused} — ${escapeMrkdwn(a.reason ?? 'the plan changed')}`;
  }
}

export function renderPlanMessage(p: PlanView): SlackMessage {
  const where = `\`${escapeMrkdwn(p.namespace)}\`${p.cluster ? ` on cluster *${escapeMrkdwn(p.cluster)}*` : ''}`;
  const what = p.traffic ? `Traffic shift of *${escapeMrkdwn(p.traffic.service)}* (${escapeMrkdwn(p.label)})`
    : p.rollbackTo !== undefined ? `Rollback of *${escapeMrkdwn(p.label)}* to revision ${p.rollbackTo}` : `Deploy of *${escapeMrkdwn(p.label)}*`;
  const head = p.traffic ? `:clipboard: Plan — ${what} in ${where}`
    : p.problems.length > 0
    ? `:x: Plan for ${what.charAt(0).toLowerCase()}${what.slice(1)} to ${where}: the pre-flight rejected ${p.problems.length} object(s); nothing can be deployed`
    : `:clipboard: Plan — ${what} to ${where}: ${countsText(p.counts)}`;
  const blocks: Block[] = [section(head)];
  if (p.traffic) blocks.push(section(`*before*: ${escapeMrkdwn(p.traffic.before)}\n*after*: ${escapeMrkdwn(p.traffic.after)}`));
  else if (p.problems.length > 0) blocks.push(section(p.problems.map((l) => `• ${escapeMrkdwn(l)}`).join('\n')));
  else {
    const stages = p.stages.map((s) => `*${escapeMrkdwn(s.name)}*: ${countsText(s.counts)}`);
    if (p.deleted.length > 0) stages.push(`*deleted after the last stage*: ${p.deleted.map((o) => `\`${escapeMrkdwn(o)}\``).join(', ')}`);
    blocks.push(section(stages.join('\n')));
  }
  if (p.approval) blocks.push(section(approvalLine(p.approval)));
  const origin = p.origin ? ` · ${escapeMrkdwn(p.origin)}` : '';
  blocks.push(context(`Requested by <@${p.requestedBy}> · plan \`${p.hash.slice(0, 12)}\`${origin}${p.problems.length || p.traffic ? '' : ' · full diff in the thread'}${p.approval ? '' : ' · nothing was changed'}`));
  if (p.approval?.status === 'pending') {
    const value: ApprovalButtonValue = {
      id: p.approval.id, app: p.approval.app, namespace: p.namespace, ...(p.approval.cluster ? { cluster: p.approval.cluster } : {}),
      channel: p.approval.channel, requester: p.approval.requester,
    };
    const json = JSON.stringify(value);
    blocks.push({ type: 'actions', elements: [button('Approve', APPROVE_ACTION, json, 'primary'), button('Reject', REJECT_ACTION, json, 'danger')] });
  }
  const plain = p.traffic ? `Plan for the traffic of ${p.traffic.service} in ${p.namespace}: ${p.traffic.before} → ${p.traffic.after}${p.approval ? ` (${p.approval.status})` : ''}` : `Plan for ${p.label} in ${p.namespace}: ${countsText(p.counts)}${p.approval ? ` (${p.approval.status})` : ''}`;
  return fitMessage({ text: plain, blocks });
}

/** The full diff for the thread: a few code-block replies, or a file when it is long. */
export function renderPlanDiff(diff: string, hash: string): { replies: SlackMessage[]; file?: { filename: string; title: string; content: string } } {
  if (diff.length > INLINE_DIFF_LIMIT) {
    return {
      replies: [fitMessage({ text: 'Full diff attached', blocks: [section(`_The full diff (${diff.split('\n').length} lines) is attached as a file._`)] })],
      file: { filename: `plan-${hash.slice(0, 12)}.diff`, title: `Plan ${hash.slice(0, 12)}`, content: diff },
    };
  }
  const chunks: string[] = [];
  for (const line of diff.replace(/```/g, "'''").split('\n')) {
    const last = chunks.length - 1;
    if (last >= 0 && chunks[last]!.length + line.length + 1 <= CHUNK) chunks[last] += `\n${line}`;
    else chunks.push(line.slice(0, CHUNK));
  }
  return { replies: chunks.map((c, i) => fitMessage({ text: `Plan diff ${i + 1}/${chunks.length}`, blocks: [section(`\`\`\`${escapeMrkdwn(c)}\`\`\``)] })) };
}

function approvalEventLine(e: ApprovalEvent): string {
  const plan = (hash: string) => `\`${hash.slice(0, 12)}\``;
  switch (e.kind) {
    case 'requested':
      return `:raising_hand: <@${e.user}> asked for approval of plan ${plan(e.hash)} (\`${escapeMrkdwn(e.command)}\`): ${e.approvals} approval(s) under _${escapeMrkdwn(e.rule)}_ needed before ${e.validUntil}.`;
    case 'expired':
      return `:alarm_clock: The approval expired at ${e.validUntil} without enough approvals. Nothing was changed.`;
    case 'replaced':
      return `:arrows_counterclockwise: Replaced by a newer plan ${plan(e.hash)} requested by <@${e.user}>. Nothing was changed.`;
    case 'too-late':
      return `:alarm_clock: The approval expired at ${e.validUntil}; <@${e.user}>'s ${e.decision} came too late. Nothing was changed — request a new plan.`;
    case 'rejected':
      return `:no_entry_sign: <@${e.user}> rejected plan ${plan(e.hash)}. Nothing was changed.`;
    case 'approved':
      return `:ballot_box_with_check: <@${e.user}> approved (${e.approvals}/${e.required}).`;
    case 'not-started':
      return `:x: Approved by <@${e.user}>, but not started: ${escapeMrkdwn(e.reason)}.`;
    case 'starting':
      if (e.shift) return `:white_check_mark: <@${e.user}> approved (${e.approvals}/${e.required}); the traffic shift of plan ${plan(e.hash)} is made now (re-planned first: the routes had not moved).`;
      return `:white_check_mark: <@${e.user}> approved (${e.approvals}/${e.required}); the rollout of plan ${plan(e.hash)} starts now (re-planned first: it stops if anything changed).`;
  }
}

/** One line in the plan's thread: a request, approval, rejection, expiry or refusal. */
export function renderApprovalEvent(event: ApprovalEvent): SlackMessage {
  const text = approvalEventLine(event);
  return fitMessage({ text: text.replace(/[*_`]/g, '').slice(0, 150), blocks: [section(text)] });
}

const OUTCOME_EMOJI: Record<string, string> = { succeeded: ':white_check_mark:', failed: ':x:', cancelled: ':no_entry_sign:', running: ':hourglass_flowing_sand:', interrupted: ':warning:' };

export function renderHistory(h: HistoryView): SlackMessage {
  const where = `\`${escapeMrkdwn(h.namespace)}\`${h.cluster ? ` on cluster *${escapeMrkdwn(h.cluster)}*` : ''}`;
  if (h.revisions.length === 0) return fitMessage({ text: `No history for ${h.app}`, blocks: [section(`:scroll: No recorded revisions of *${escapeMrkdwn(h.app)}* in ${where}.`)] });
  const lines = h.revisions.map((r) => {
    const parts = [
      `${OUTCOME_EMOJI[r.outcome] ?? ''} *#${r.revision}* ${r.outcome}${r.reason && r.outcome === 'failed' ? ` (${escapeMrkdwn(r.reason)})` : ''}`,
      escapeMrkdwn(r.at),
      `by ${escapeMrkdwn(r.by)}`,
      ...(r.approvedBy?.length ? [`approved by ${r.approvedBy.map((u) => `<@${u}>`).join(', ')}`] : []),
      ...(r.traffic ? [] : [r.commit ? `commit \`${r.commit.slice(0, 12)}\`` : 'built-in']),
      ...(r.planHash ? [`plan \`${r.planHash.slice(0, 12)}\``] : []),
      r.traffic ? `traffic ${escapeMrkdwn(r.traffic)}` : `${r.objects} object(s)`,
      ...(r.rollbackTo !== undefined ? [`rollback to #${r.rollbackTo}`] : []),
    ];
    return parts.join(' · ');
  });
  return fitMessage({
    text: `History of ${h.app} in ${h.namespace}: ${h.revisions.length} revision(s)`,
    blocks: [section(`:scroll: History of *${escapeMrkdwn(h.app)}* in ${where} (newest first, the last ${h.limit} kept)`), section(lines.join('\n')), context('`/mesh rollback <app> -n <namespace> [--to <revision>]` deploys an earlier revision again.')],
  });
}

export function renderTrafficShifted(v: TrafficShiftView): SlackMessage {
  const where = `\`${escapeMrkdwn(v.namespace)}\`${v.cluster ? ` on cluster *${escapeMrkdwn(v.cluster)}*` : ''}`;
  const head = `:twisted_rightwards_arrows: Traffic of *${escapeMrkdwn(v.service)}* in ${where}${v.undid !== undefined ? ` restored (revision ${v.undid} undone)` : ''}: ${escapeMrkdwn(v.before)} → *${escapeMrkdwn(v.after)}*`;
  const approved = v.approvedBy?.length ? ` · approved by ${v.approvedBy.map((u) => `<@${u}>`).join(', ')}` : '';
  return fitMessage({
    text: `Traffic of ${v.service} in ${v.namespace}: ${v.before} → ${v.after}`,
    blocks: [section(head), context(`Requested by <@${v.requestedBy}>${approved} · revision ${v.revision} of ${escapeMrkdwn(v.label)} · undo with \`/mesh rollback ${escapeMrkdwn(v.label)}${v.namespace === 'default' ? '' : ` -n ${escapeMrkdwn(v.namespace)}`}\``)],
  });
}

const CANARY_HEADLINE: Record<CanaryView['status'], string> = {
  running: ':hourglass_flowing_sand: running',
  finished: ':white_check_mark: complete',
  failed: ':x: rolled back',
  cancelled: ':no_entry_sign: cancelled, rolled back',
};

export function renderCanary(v: CanaryView): SlackMessage {
  const where = `\`${escapeMrkdwn(v.namespace)}\`${v.cluster ? ` on cluster *${escapeMrkdwn(v.cluster)}*` : ''}`;
  const blocks: Block[] = [
    section(`Canary of *${escapeMrkdwn(v.service)}* → *${escapeMrkdwn(v.target)}* in ${where} — ${CANARY_HEADLINE[v.status]}`),
    section(`*weights now*: ${escapeMrkdwn(v.weights)}\n*step*: ${v.step}/${v.steps.length} (${v.steps.map((s) => `${s}%`).join(' → ')}, every ${v.intervalSeconds}s)`),
  ];
  if (v.reason) blocks.push(section(`${v.status === 'finished' ? '' : ':warning: '}${escapeMrkdwn(v.reason)}`));
  blocks.push(context(`Requested by <@${v.requestedBy}> · canary \`${escapeMrkdwn(v.id)}\` · gates: ${escapeMrkdwn(v.metrics ?? `${v.target} ready`)}`));
  if (v.status === 'running') {
    const value = JSON.stringify({ rolloutId: v.id, namespace: v.namespace, ...(v.cluster ? { cluster: v.cluster } : {}) });
    blocks.push({ type: 'actions', elements: [button('Cancel', CANCEL_ACTION, value, 'danger')] });
  }
  return fitMessage({ text: `Canary of ${v.service} to ${v.target} in ${v.namespace}: ${v.status}, ${v.weights}`, blocks });
}

const CANARY_EMOJI: Record<CanaryLine['outcome'], string> = { passed: ':white_check_mark:', finished: ':tada:', failed: ':x:', cancelled: ':no_entry_sign:' };

export function renderCanaryLine(line: CanaryLine): SlackMessage {
  return fitMessage({ text: line.text, blocks: [section(`${CANARY_EMOJI[line.outcome]} ${escapeMrkdwn(line.text)}`)] });
}
