// Posts a rollout's progress: one parent message updated in place (at most once per second) and the details
// as thread replies. Its state is plain JSON, carried between worker steps. Slack failures never throw: the
// state stays dirty and the next flush (a later step, or the final retries) delivers the latest view.
import { renderRolloutParent, renderThreadReply, threadLine } from './render/rollout';
import { applyProgress, isFinal, newRolloutView, type ProgressEvent, type RolloutView } from './render/progress';
import type { SlackApi } from './webapi';

export const MIN_UPDATE_INTERVAL_MS = 1000;

export interface NotifierState {
  channel: string;
  parentTs?: string;
  view: RolloutView;
  /** The parent message no longer shows the latest view. */
  dirty: boolean;
  pendingLines: string[];
  lastUpdateAt: number;
  lastError?: string;
  /** Slack rate-limited us: no call before this time (ms), as its Retry-After asked. */
  notBefore?: number;
}

export function newNotifier(channel: string, app: string, namespace: string, user: string, at: number, where: { origin?: string; cluster?: string } = {}): NotifierState {
  return { channel, view: { ...newRolloutView(app, namespace, user, at), ...where }, dirty: true, pendingLines: [], lastUpdateAt: 0 };
}

export function recordProgress(state: NotifierState, events: ProgressEvent[]): NotifierState {
  const lines = events.map(threadLine).filter((l): l is string => l !== undefined);
  return {
    ...state,
    view: events.reduce(applyProgress, state.view),
    dirty: state.dirty || events.length > 0,
    pendingLines: [...state.pendingLines, ...lines],
  };
}

/** True when everything (the final view included) reached Slack. */
export function delivered(state: NotifierState): boolean {
  return state.parentTs !== undefined && !state.dirty && state.pendingLines.length === 0;
}

/** How long until the parent may be updated again. */
export function msUntilNextUpdate(state: NotifierState, now: number): number {
  return Math.max(0, state.lastUpdateAt + MIN_UPDATE_INTERVAL_MS - now);
}

/**
 * Sends what is pending: the parent (post once, then chat.update, coalesced to ≤ 1/s unless the rollout is
 * final) and one thread reply with the pending lines. Returns the new state; never throws.
 */
export async function flushProgress(state: NotifierState, api: SlackApi, now: () => number): Promise<NotifierState> {
  // Calling again inside a Retry-After only earns another 429 (and counts against the app): wait it out.
  if (state.notBefore !== undefined && now() < state.notBefore) return state;
  let next: NotifierState = { ...state };
  delete next.notBefore;
  try {
    if (next.parentTs === undefined) {
      const message = renderRolloutParent(next.view, now());
      const posted = await api.call<{ ts: string }>('chat.postMessage', { channel: next.channel, ...message });
      next = { ...next, parentTs: posted.ts, dirty: false, lastUpdateAt: now() };
    }
    // Details first, so the parent's final update is the last thing the channel sees.
    if (next.pendingLines.length > 0) {
      const reply = renderThreadReply(next.pendingLines);
      await api.call('chat.postMessage', { channel: next.channel, thread_ts: next.parentTs, ...reply });
      next = { ...next, pendingLines: [] };
    }
    if (next.dirty && (isFinal(next.view) || msUntilNextUpdate(next, now()) === 0)) {
      if (isFinal(next.view)) await sleep(msUntilNextUpdate(next, now()));
      const message = renderRolloutParent(next.view, now());
      await api.call('chat.update', { channel: next.channel, ts: next.parentTs, ...message });
      next = { ...next, dirty: false, lastUpdateAt: now() };
    }
    const { lastError: _cleared, ...rest } = next;
    return rest;
  } catch (error) {
    const retryAt = (error as { retryAt?: number }).retryAt;
    return { ...next, lastError: (error as Error).message, ...(retryAt !== undefined ? { notBefore: retryAt } : {}) };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
