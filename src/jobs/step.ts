// One bounded step of a job — what the worker Lambda runs per Step Functions task and the local runner runs
// in a loop. State in, state out (JSON). Kubernetes work and Slack delivery are separate: a Slack outage
// leaves the job in `notify` until the final messages are delivered; it never fails the cluster work.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Apps } from '../apps';
import { unreachableCluster } from '../apps/clusters';
import { isUserError, UserError } from '../errors';
import type { RolloutEvent } from '../rollout/events';
import type { RolloutState } from '../rollout/state';
import { delivered, flushProgress, newNotifier, recordProgress, type NotifierState } from '../slack/notifier';
import type { SlackMessage } from '../slack/render/blocks';
import { isFinal } from '../slack/render/progress';
import type { SlackApi } from '../slack/webapi';
import { uploadFile } from '../slack/webapi';
import type { Job } from './job';
import { toProgress } from './rollout-progress';
import { appsOf, runShortJob } from './short-jobs';

export interface JobDeps {
  slack: SlackApi;
  /**
   * The cluster by its registry name (undefined: the default), resolved (and in the console started) only
   * when a job first needs it.
   */
  kube: (cluster?: string) => Promise<KubeConfig>;
  /**
   * The door's own cluster if it is there without starting anything (the console never starts the local
   * cluster just to list what is deployed); for `/mesh apps` when no clusters are named.
   */
  peekKube?: () => Promise<KubeConfig | undefined>;
  /** The app registry and loader (built-in catalog, Git apps); the built-in catalog only when absent. */
  apps?: () => Apps;
  now: () => number;
  /** Longest one rollout step may wait (Step Functions tasks must be bounded). */
  stepBudgetMs?: number;
  /** Deadline for each rollout stage to become ready (the engine's default when unset). */
  stageTimeoutMs?: number;
  log?: (line: string) => void;
  /** Audit lines of approvals (requested, approved, rejected, expired, refused); the log when absent. */
  audit?: (line: string) => void;
  /** Revisions kept per app in the history (default 10). */
  historyLimit?: number;
}

/** A reply waiting to be delivered: ephemeral (response_url) or in the channel, with an optional file. */
export interface PendingReply {
  visibility: 'ephemeral' | 'channel';
  message: SlackMessage;
  file?: { filename: string; title: string; content: string };
  postedTs?: string;
  /** Replace this message (chat.update) instead of posting a new one. */
  updateTs?: string;
  /** Replies in the message's thread, after the message (and its file); `threadSent` of them are delivered. */
  thread?: SlackMessage[];
  threadSent?: number;
}

export interface JobState {
  job: Job;
  phase: 'run' | 'notify' | 'done';
  rollout?: RolloutState;
  progress?: NotifierState;
  reply?: PendingReply;
  outcome?: 'succeeded' | 'failed' | 'cancelled';
  /** True once nothing is left to do; the state machine's Choice state reads it. */
  done: boolean;
  /** Seconds to wait before the next step (retrying Slack after an outage). */
  waitSeconds: number;
  notifyAttempts: number;
  lastError?: string;
}

/** Delivery retries after the work is done: every 15 s for an hour, then the job gives up on Slack. */
export const NOTIFY_RETRY_SECONDS = 15;
export const MAX_NOTIFY_ATTEMPTS = 240;

export function initialJobState(job: Job): JobState {
  return { job, phase: 'run', done: false, waitSeconds: 0, notifyAttempts: 0 };
}

async function deliverReply(job: Job, reply: PendingReply, slack: SlackApi): Promise<PendingReply | undefined> {
  if (reply.visibility === 'ephemeral') {
    if (job.responseUrl) await slack.respond(job.responseUrl, { response_type: 'ephemeral', replace_original: false, ...reply.message });
    else await slack.call('chat.postEphemeral', { channel: job.channel, user: job.user, ...reply.message });
    return undefined;
  }
  let postedTs = reply.postedTs;
  if (postedTs === undefined && reply.updateTs !== undefined) {
    await slack.call('chat.update', { channel: job.channel, ts: reply.updateTs, ...reply.message });
    postedTs = reply.updateTs;
  } else if (postedTs === undefined) {
    postedTs = (await slack.call<{ ts: string }>('chat.postMessage', { channel: job.channel, ...reply.message })).ts;
  }
  let threadSent = reply.threadSent ?? 0;
  try {
    // The message is out; only the thread replies and the file are left to retry.
    for (const message of (reply.thread ?? []).slice(threadSent)) {
      await slack.call('chat.postMessage', { channel: job.channel, thread_ts: postedTs, ...message });
      threadSent += 1;
    }
    if (reply.file) await uploadFile(slack, { ...reply.file, channel: job.channel, threadTs: postedTs });
  } catch (error) {
    throw Object.assign(error as Error, { pending: { ...reply, postedTs, threadSent } });
  }
  return undefined;
}

function failureReply(error: unknown): PendingReply {
  const text = isUserError(error) ? `:x: ${error.message}` : `:x: Internal error: ${(error as Error).message.split('\n')[0]}`;
  return { visibility: 'ephemeral', message: { text, blocks: [] } };
}

async function notify(state: JobState, deps: JobDeps): Promise<JobState> {
  let next = state;
  let replyRetryAt: number | undefined;
  if (next.progress) next = { ...next, progress: await flushProgress(next.progress, deps.slack, deps.now) };
  if (next.reply) {
    try {
      const left = await deliverReply(next.job, next.reply, deps.slack);
      next = { ...next, ...(left ? { reply: left } : {}) };
      if (!left) delete next.reply;
    } catch (error) {
      const pending = (error as { pending?: PendingReply }).pending;
      replyRetryAt = (error as { retryAt?: number }).retryAt;
      next = { ...next, ...(pending ? { reply: pending } : {}), lastError: (error as Error).message };
    }
  }
  const outstanding = (next.progress && !delivered(next.progress)) || next.reply !== undefined;
  if (!outstanding) {
    // Completes the command's audit line (which says "dispatched") with how the job ended.
    const source = next.rollout?.source;
    const where = { ...(next.rollout?.cluster ? { cluster: next.rollout.cluster } : {}), ...(source?.kind === 'git' ? { commit: source.commit, repository: source.repository } : {}) };
    deps.log?.(JSON.stringify({ type: 'mesh.job', job: next.job.id, event: 'finished', user: next.job.user, channel: next.job.channel, command: next.job.text, ...where, outcome: next.outcome, durationMs: deps.now() - next.job.requestedAt }));
    return { ...next, phase: 'done', done: true, waitSeconds: 0 };
  }
  const attempts = next.notifyAttempts + 1;
  const lastError = next.progress?.lastError ?? next.lastError;
  if (attempts >= MAX_NOTIFY_ATTEMPTS) {
    deps.log?.(JSON.stringify({ type: 'mesh.job', job: next.job.id, event: 'slack-undeliverable', error: lastError }));
    return { ...next, phase: 'done', done: true, waitSeconds: 0, notifyAttempts: attempts };
  }
  // A Retry-After longer than the usual pause is honoured (calling earlier only earns another 429).
  const retryAt = Math.max(next.progress?.notBefore ?? 0, replyRetryAt ?? 0);
  const waitSeconds = Math.max(NOTIFY_RETRY_SECONDS, Math.ceil((retryAt - deps.now()) / 1000));
  return { ...next, phase: 'notify', waitSeconds, notifyAttempts: attempts, ...(lastError ? { lastError } : {}) };
}

async function rolloutStep(state: JobState, deps: JobDeps): Promise<JobState> {
  const { advance, isTerminal } = await import('../rollout');
  let rollout = state.rollout!;
  let progress = state.progress;
  const apps = await appsOf(deps);
  const events: RolloutEvent[] = [];
  const { gitFilesLoader } = await import('../apps/rollout');
  const started = rollout;
  try {
    rollout = await advance(rollout, {
      kc: await deps.kube(rollout.cluster),
      gitFiles: gitFilesLoader(apps),
      emit: (e) => events.push(e),
      ...(deps.stepBudgetMs ? { stepBudgetMs: deps.stepBudgetMs } : {}),
      ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}),
    });
  } catch (error) {
    // The channel already shows this rollout (queued or running): fail that message, not a separate reply.
    return failJob({ ...state, rollout: started, progress: recordProgress(progress!, events.map(toProgress)) }, error, deps);
  }
  progress = recordProgress(progress!, events.map(toProgress));
  // A running parent shows elapsed time: refresh it once per step even without new events.
  if (!isFinal(progress.view)) progress = { ...progress, dirty: true };
  const next: JobState = { ...state, rollout, progress };
  // While the API server is unreachable the state machine waits between steps instead of retrying at once.
  const waitSeconds = rollout.unreachableSince !== undefined ? 5 : 0;
  if (!isTerminal(rollout)) return { ...next, progress: await flushProgress(progress, deps.slack, deps.now), waitSeconds };
  const outcome = rollout.phase === 'finished' ? 'succeeded' : rollout.phase === 'cancelled' ? 'cancelled' : 'failed';
  return notify({ ...next, outcome }, deps);
}

/** Jobs that plan, ask for approval or start a rollout (src/jobs/safe-deploy.ts) rather than answer at once. */
function isPrepared(job: Job): boolean {
  const kind = job.command.kind;
  return kind === 'deploy' || kind === 'rollback' || kind === 'history' || kind === 'approval' || (kind === 'inject' && job.command.apply);
}

/** The first step of a deploy-like job: answer (plan, approval, history), or post the rollout and start it. */
async function beginJob(state: JobState, deps: JobDeps): Promise<JobState> {
  const { job } = state;
  const { prepareJob } = await import('./safe-deploy');
  const prepared = await prepareJob(job, deps);
  if (prepared.kind === 'reply') return notify({ ...state, reply: prepared.reply, outcome: prepared.ok ? 'succeeded' : 'failed' }, deps);
  const { rollout } = prepared;
  let reply = prepared.reply;
  if (reply) {
    // The approval's thread says the rollout starts; if Slack is away it is delivered with the final state.
    reply = await deliverReply(job, reply, deps.slack).catch((error: unknown) => (error as { pending?: PendingReply }).pending ?? reply);
  }
  const source = rollout.source;
  const namespace = rollout.namespace;
  const cluster = rollout.cluster;
  // The channel sees the rollout at once (queued), before the first cluster call.
  const notifier = newNotifier(job.channel, prepared.label, namespace, prepared.requestedBy, job.requestedAt, { ...(prepared.origin ? { origin: prepared.origin } : {}), ...(cluster ? { cluster } : {}) });
  const progress = await flushProgress(notifier, deps.slack, deps.now);
  deps.log?.(JSON.stringify({ type: 'mesh.job', job: job.id, event: 'resolved', app: rollout.app, ...(source.kind !== 'manifests' && source.only ? { component: source.only.join(',') } : {}), ...(source.kind === 'git' ? { commit: source.commit, repository: source.repository } : {}), ...(cluster ? { cluster } : {}), namespace, rollout: rollout.id }));
  return rolloutStep({ ...state, rollout, progress, ...(reply ? { reply } : {}) }, deps);
}

/** Runs one step. Accepts the Step Functions input `{ job }` as well as a previous step's state. */
export async function stepJob(input: JobState | { job: Job }, deps: JobDeps): Promise<JobState> {
  const state: JobState = 'phase' in input ? input : initialJobState(input.job);
  if (state.phase === 'done') return state;
  if (state.phase === 'notify') return notify(state, deps);
  try {
    if (state.rollout) return await rolloutStep(state, deps);
    if (isPrepared(state.job)) return await beginJob(state, deps);
    const result = await runShortJob(state.job, deps);
    return await notify({ ...state, reply: result.reply, outcome: result.ok ? 'succeeded' : 'failed' }, deps);
  } catch (error) {
    return failJob(state, error, deps);
  }
}

/** Ends a job on an error: its rollout message (if any) shows the failure, else an ephemeral reply. */
async function failJob(state: JobState, caught: unknown, deps: JobDeps): Promise<JobState> {
  const cluster = state.rollout?.cluster ?? ('cluster' in state.job.command ? state.job.command.cluster : undefined);
  const unreachable = unreachableCluster(caught, cluster);
  const error = unreachable ? new UserError(unreachable) : caught;
  deps.log?.(JSON.stringify({ type: 'mesh.job', job: state.job.id, event: 'error', error: (error as Error).message }));
  if (state.progress) {
    const failed = recordProgress(state.progress, [
      { type: 'failed', at: deps.now(), diagnosis: { summary: (error as Error).message.split('\n')[0]! } },
    ]);
    return notify({ ...state, progress: failed, outcome: 'failed' }, deps);
  }
  return notify({ ...state, reply: failureReply(error), outcome: 'failed' }, deps);
}
