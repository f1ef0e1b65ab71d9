// Renders a rollout: the in-channel parent message (updated in place) and its thread replies.
import { CANCEL_ACTION } from '../actions';
import { button, context, escapeMrkdwn, fitMessage, formatDuration, section, type Block, type SlackMessage } from './blocks';
import type { FailureReport, ProgressEvent, RolloutView, StageView } from '../../jobs/progress';

const STAGE_EMOJI: Record<StageView['status'], string> = {
  pending: ':white_circle:',
  running: ':hourglass_flowing_sand:',
  done: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

const HEADLINE: Record<RolloutView['status'], string> = {
  queued: ':inbox_tray: queued',
  running: ':rocket: running',
  succeeded: ':white_check_mark: succeeded',
  failed: ':x: failed',
  cancelled: ':no_entry_sign: cancelled',
};

const NOTE_EMOJI: Record<NonNullable<Extract<ProgressEvent, { type: 'note' }>['topic']>, string> = { plan: ':clipboard:', deleted: ':wastebasket:' };

function stageLine(stage: StageView, now: number): string {
  const counts = stage.applied > 0 ? ` · ${stage.ready}/${stage.applied} ready` : '';
  let time = '';
  if (stage.startedAt !== undefined) {
    const elapsed = formatDuration((stage.finishedAt ?? now) - stage.startedAt);
    time = stage.status === 'running' ? ` — running for ${elapsed}` : ` — ${elapsed}`;
  }
  return `${STAGE_EMOJI[stage.status]} *${escapeMrkdwn(stage.name)}*${time}${counts}`;
}

function outcomeLine(view: RolloutView): string | undefined {
  const total = view.finishedAt !== undefined ? formatDuration(view.finishedAt - (view.startedAt ?? view.queuedAt)) : '';
  const durations = view.stages
    .filter((s) => s.startedAt !== undefined && s.finishedAt !== undefined)
    .map((s) => `${escapeMrkdwn(s.name)} ${formatDuration(s.finishedAt! - s.startedAt!)}`)
    .join(' · ');
  const left = view.stages.filter((s) => s.status === 'pending').map((s) => escapeMrkdwn(s.name));
  const leftText = left.length > 0 ? ` Not started: ${left.join(', ')}.` : ' No stages were left.';
  if (view.status === 'succeeded') return `*Done in ${total}.* Stage durations: ${durations || 'none'}.`;
  if (view.status === 'failed') {
    const where = view.failure?.stage ? ` in stage *${escapeMrkdwn(view.failure.stage)}*` : '';
    return `*Failed${where} after ${total}:* ${escapeMrkdwn(view.failure?.summary ?? 'unknown error')}.${leftText} Details in the thread.`;
  }
  if (view.status === 'cancelled') return `*Cancelled after ${total}.*${leftText}`;
  return undefined;
}

export function renderRolloutParent(view: RolloutView, now: number): SlackMessage {
  const cluster = view.cluster ? ` on cluster *${escapeMrkdwn(view.cluster)}*` : '';
  const title = `Rollout of *${escapeMrkdwn(view.app)}* to \`${escapeMrkdwn(view.namespace)}\`${cluster} — ${HEADLINE[view.status]}`;
  const stages = view.stages.length > 0 ? view.stages.map((s) => stageLine(s, now)).join('\n') : '_waiting for the plan…_';
  const idText = view.rolloutId ? ` · rollout \`${escapeMrkdwn(view.rolloutId)}\`` : '';
  const blocks: Block[] = [section(title), section(stages)];
  const outcome = outcomeLine(view);
  if (outcome) blocks.push(section(outcome));
  blocks.push(context(`Requested by <@${view.requestedBy}>${idText}${view.origin ? ` · ${escapeMrkdwn(view.origin)}` : ''}`));
  if (view.status === 'running' && view.rolloutId) {
    const value = JSON.stringify({ rolloutId: view.rolloutId, namespace: view.namespace, ...(view.cluster ? { cluster: view.cluster } : {}) });
    blocks.push({ type: 'actions', elements: [button('Cancel', CANCEL_ACTION, value, 'danger')] });
  }
  const plain = `Rollout of ${view.app} to ${view.namespace}${view.cluster ? ` on cluster ${view.cluster}` : ''}: ${view.status}`;
  return fitMessage({ text: plain, blocks });
}

function failureText(stage: string | undefined, d: FailureReport): string {
  const lines = [`:x: *Failed${stage ? ` in stage ${escapeMrkdwn(stage)}` : ''}:* ${escapeMrkdwn(d.summary)}`];
  if (d.object) lines.push(`Object: \`${escapeMrkdwn(d.object)}\``);
  if (d.pod) lines.push(`Pod: \`${escapeMrkdwn(d.pod)}\`${d.reason ? ` — reason *${escapeMrkdwn(d.reason)}*` : ''}`);
  else if (d.reason) lines.push(`Reason: *${escapeMrkdwn(d.reason)}*`);
  if (d.events && d.events.length > 0) lines.push('Last events:', '```', ...d.events.map((e) => e.replace(/```/g, "'''")), '```');
  return lines.join('\n');
}

/** One thread line per event worth a detail; undefined when the event only changes the parent. */
export function threadLine(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case 'stage-started':
      return `:arrow_forward: Stage *${escapeMrkdwn(event.stage)}* started`;
    case 'object-applied':
      return `• \`${escapeMrkdwn(event.object)}\` applied${event.action ? ` (${escapeMrkdwn(event.action)})` : ''}`;
    case 'object-ready':
      return `• \`${escapeMrkdwn(event.object)}\` ready`;
    case 'stage-done':
      return `:white_check_mark: Stage *${escapeMrkdwn(event.stage)}* done`;
    case 'failed':
      return failureText(event.stage, event.diagnosis);
    case 'cancelled':
      return ':no_entry_sign: Cancelled on request';
    case 'note':
      return `${event.topic ? NOTE_EMOJI[event.topic] : ':warning:'} ${escapeMrkdwn(event.text)}`;
    default:
      return undefined;
  }
}

/** Joins pending thread lines into one reply (one post per flush keeps within 1 message/s/channel). */
export function renderThreadReply(lines: string[]): SlackMessage {
  const chunks: string[] = [];
  for (const line of lines) {
    const last = chunks.length - 1;
    if (last >= 0 && chunks[last]!.length + line.length + 1 <= 2900) chunks[last] += `\n${line}`;
    else chunks.push(line);
  }
  return fitMessage({ text: lines[0]?.slice(0, 150) ?? 'progress', blocks: chunks.map(section) });
}
