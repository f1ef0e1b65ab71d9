// Posts a rollout's progress: one parent message updated in place (at most once per second) and the details
// as thread replies. Its state is plain JSON, carried between worker steps. Slack failures never throw: the
// state stays dirty and the next flush (a later step, or the final retries) delivers the latest view.
import { applyProgress, isFinal, newRolloutView, type ProgressEvent } from '../jobs/progress';
import type { ProgressReport } from '../jobs/reporter';
import { renderRolloutParent, renderThreadReply, threadLine } from './render/rollout';
import type { SlackApi } from './webapi';
import { errorMessage } from '../errors';

export const MIN_UPDATE_INTERVAL_MS = 1000;

export function newNotifier(channel: string, app: string, namespace: string, user: string, at: number, where: { origin?: string; cluster?: string } = {}): ProgressReport {
  return { channel, view: { ...newRolloutView(app, namespace, user, at), ...where }, dirty: true, pendingLines: [], lastUpdateAt: 0 };
}

export function recordProgress(state: ProgressReport, events: ProgressEvent[]): ProgressReport {
  const lines = events.map(threadLine).filter((l): l is string => l !== undefined);
  return {
    ...state,
    view: events.reduce(applyProgress, state.view),
    dirty: state.dirty || events.length > 0,
    pendingLines: [...state.pendingLines, ...lines],
  };
}

/** How long until the parent may be updated again. */
export function msUntilNextUpdate(state: ProgressReport, now: number): number {
  return Math.max(0, state.lastUpdateAt + MIN_UPDATE_INTERVAL_MS - now);
}

/**
 * Sends what is pending: the parent (post once, then chat.update, coalesced to ≤ 1/s unless the rollout is
 * final) and one thread reply with the pending lines. Returns the new state; never throws.
 */
export async function flushProgress(state: ProgressReport, api: SlackApi, now: () => number): Promise<ProgressReport> {
  // Calling again inside a Retry-After only earns another 429 (and counts against the app): wait it out.
  if (state.notBefore !== undefined && now() < state.notBefore) return state;
  let next: ProgressReport = { ...state };
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
    return { ...next, lastError: errorMessage(error), ...(retryAt !== undefined ? { notBefore: retryAt } : {}) };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
