// src/slack/render — Slack markup, and only here: pure functions from the views jobs report (src/jobs/reporter.ts,
// src/jobs/progress.ts) to Block Kit messages. May import blocks, ../actions and the types of jobs and the
// engines; no effects, no other module of src/slack.
//
// The few Block Kit shapes mesh sends, and Slack's limits enforced before sending: long content is cut with a
// visible note so Slack never rejects a message (50 blocks, 3000 characters per section, ~13k in total).

export interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}

export interface Button {
  type: 'button';
  text: { type: 'plain_text'; text: string };
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
}

export type Block =
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'actions'; elements: Button[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Notification fallback, always sent. */
  text: string;
  blocks: Block[];
}

export const LIMITS = { blocks: 50, sectionText: 3000, contextText: 2000, totalBlocksChars: 12000, fallbackText: 3000 } as const;

export const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
export const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
export const button = (label: string, actionId: string, value: string, style?: Button['style']): Button => ({
  type: 'button',
  text: { type: 'plain_text', text: label },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** Cuts text to `max` characters with a note; keeps a code fence closed. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const fenced = text.startsWith('```') && text.trimEnd().endsWith('```');
  const note = (cut: number) => `\n_(truncated: ${cut} more characters)_`;
  const budget = max - note(text.length).length - (fenced ? 4 : 0) - 1;
  const kept = text.slice(0, Math.max(0, budget));
  return `${kept}…${fenced ? '\n```' : ''}${note(text.length - kept.length)}`;
}

function fitBlock(block: Block): Block {
  if (block.type === 'section') return { ...block, text: { ...block.text, text: truncateText(block.text.text, LIMITS.sectionText) } };
  if (block.type === 'context') {
    return { ...block, elements: block.elements.slice(0, 10).map((e) => ({ ...e, text: truncateText(e.text, LIMITS.contextText) })) };
  }
  return block;
}

const size = (blocks: Block[]) => JSON.stringify(blocks).length;

/** Returns a message within Slack's limits; action blocks (buttons) are kept, the body is cut from the end. */
export function fitMessage(message: SlackMessage): SlackMessage {
  const fitted = message.blocks.map(fitBlock);
  const actions = fitted.filter((b) => b.type === 'actions');
  let body: Block[] = fitted.filter((b) => b.type !== 'actions');
  let omitted = 0;
  const maxBody = LIMITS.blocks - actions.length - 1;
  if (body.length > maxBody) {
    omitted += body.length - maxBody;
    body = body.slice(0, maxBody);
  }
  const assemble = () => [...body, ...(omitted > 0 ? [context(`_${omitted} more block(s) omitted to fit Slack's limits_`)] : []), ...actions];
  while (size(assemble()) > LIMITS.totalBlocksChars && body.length > 1) {
    body = body.slice(0, -1);
    omitted += 1;
  }
  if (size(assemble()) > LIMITS.totalBlocksChars && body[0]?.type === 'section') {
    body = [section(truncateText(body[0].text.text, LIMITS.totalBlocksChars / 2))];
  }
  return { text: truncateText(message.text, LIMITS.fallbackText), blocks: assemble() };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds - minutes * 60)).padStart(2, '0')}s`;
}

/** Escapes the three characters Slack mrkdwn interprets as control sequences. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
