// One bounded step of a job — what the worker Lambda runs per Step Functions task and the local runner runs
// in a loop. State in, state out (JSON). Kubernetes work and delivery (the JobReporter) are separate: a Slack
// outage leaves the job in `notify` until the final messages are delivered; it never fails the cluster work.
import { unreachableCluster } from '../apps/clusters';
import { errorMessage, isUserError, UserError } from '../errors';
import type { RolloutEvent } from '../rollout/events';
import type { Job, JobCommand } from './job';
import { isFinal } from './progress';
import { progressDelivered, type PendingReply, type ProgressReport } from './reporter';
import { toProgress } from './rollout-progress';
import { restartJob } from './short-jobs';
import { appsOf, initialJobState, type JobDeps, type JobState, type Prepared } from './state';
import { toRequester, type Answered, type CommandJob, type JobStart, type VerbJob } from './verb-job';
import { VERB_JOBS } from './verbs';

/** Delivery retries after the work is done: every 15 s for an hour, then the job gives up on Slack. */
export const NOTIFY_RETRY_SECONDS = 15;
export const MAX_NOTIFY_ATTEMPTS = 240;

/** An error the requester can act on, or (internal) one of mesh or its surroundings. */
function failureReply(error: unknown, deps: JobDeps): PendingReply {
  return { visibility: 'ephemeral', message: deps.reporter.messages.jobFailed(errorMessage(error), !isUserError(error)) };
}

async function notify(state: JobState, deps: JobDeps): Promise<JobState> {
  let next = state;
  let replyRetryAt: number | undefined;
  if (next.progress) next = { ...next, progress: await deps.reporter.flushProgress(next.progress, deps.now) };
  if (next.reply) {
    const undelivered = await deps.reporter.deliver(next.job, next.reply);
    if (undelivered) {
      replyRetryAt = undelivered.retryAt;
      next = { ...next, reply: undelivered.left, lastError: undelivered.error };
    } else {
      next = { ...next };
      delete next.reply;
    }
  }
  const outstanding = (next.progress && !progressDelivered(next.progress)) || next.reply !== undefined;
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

/**
 * Sends a step's events as they happen. As deployed a wait step lasts up to its budget (MESH_STEP_BUDGET_MS,
 * 60 s), and Slack would otherwise see nothing of it until the step returns: each object that became ready, a
 * stage's next line, would arrive up to a minute late. Deliveries run one at a time, every LIVE_DELIVERY_MS.
 */
export const LIVE_DELIVERY_MS = 2000;

function liveProgress(progress: ProgressReport, deps: JobDeps) {
  const events: RolloutEvent[] = [];
  let report = progress;
  let sent = 0;
  let delivering: Promise<void> | undefined;
  const take = () => {
    const fresh = events.slice(sent);
    sent = events.length;
    return fresh.map(toProgress);
  };
  const timer = setInterval(() => {
    if (delivering || sent === events.length) return;
    const recorded = deps.reporter.recordProgress(report, take());
    // flushProgress never throws: an undelivered part stays pending in the report for the next delivery.
    delivering = deps.reporter.flushProgress(recorded, deps.now).then((flushed) => {
      report = flushed;
      delivering = undefined;
    });
  }, LIVE_DELIVERY_MS);
  timer.unref();
  return {
    emit: (event: RolloutEvent) => {
      deps.reporter.rolloutEvent?.(event);
      events.push(event);
    },
    /** Stops the deliveries; the report holds every event, sent or not. */
    async finish(): Promise<ProgressReport> {
      clearInterval(timer);
      await delivering;
      return deps.reporter.recordProgress(report, take());
    },
  };
}

async function rolloutStep(state: JobState, deps: JobDeps): Promise<JobState> {
  const { advance, isTerminal } = await import('../rollout');
  let rollout = state.rollout!;
  const apps = await appsOf(deps);
  const live = liveProgress(state.progress!, deps);
  const { gitFilesLoader } = await import('../apps/rollout');
  const started = rollout;
  try {
    rollout = await advance(rollout, {
      kc: await deps.kube(rollout.cluster),
      gitFiles: gitFilesLoader(apps),
      emit: live.emit,
      ...(deps.stepBudgetMs ? { stepBudgetMs: deps.stepBudgetMs } : {}),
      ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}),
      ...(deps.istio ? { compliancePolicy: deps.istio.compliancePolicy } : {}),
    });
  } catch (error) {
    // The channel already shows this rollout (queued or running): fail that message, not a separate reply.
    return failJob({ ...state, rollout: started, progress: await live.finish() }, error, deps);
  }
  let progress = await live.finish();
  // A running parent shows elapsed time: refresh it once per step even without new events.
  if (!isFinal(progress.view)) progress = { ...progress, dirty: true };
  const next: JobState = { ...state, rollout, progress };
  // While the API server is unreachable the state machine waits between steps instead of retrying at once.
  const waitSeconds = rollout.unreachableSince !== undefined ? 5 : 0;
  if (!isTerminal(rollout)) return { ...next, progress: await deps.reporter.flushProgress(progress, deps.now), waitSeconds };
  const outcome = rollout.phase === 'finished' ? 'succeeded' : rollout.phase === 'cancelled' ? 'cancelled' : 'failed';
  return notify({ ...next, outcome }, deps);
}

/** How a job of each kind starts: the verbs' (src/jobs/verbs) and the buttons' (Restart, Approve/Reject). */
const JOBS: { [K in JobCommand['kind']]: VerbJob<Extract<JobCommand, { kind: K }>> } = {
  ...VERB_JOBS,
  restart: restartJob,
  approval: () => ({ kind: 'prepare', prepare: async (job, deps) => (await import('./safe-deploy')).decide(job, deps) }),
};

function startOf(job: Job): JobStart<JobCommand> {
  return (JOBS[job.command.kind] as VerbJob<JobCommand>)(job.command);
}

/** A one-step job's reply; a UserError it throws is its answer, to the requester only. */
async function answer(run: (job: CommandJob<JobCommand>, deps: JobDeps) => Promise<Answered>, job: Job, deps: JobDeps): Promise<Answered> {
  try {
    return await run(job, deps);
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { ok: false, reply: toRequester(deps.reporter.messages.userError(error.message)) };
  }
}

/** The first step of a deploy-like job: answer (plan, approval, history), or post the rollout and start it. */
async function beginJob(state: JobState, prepared: Prepared, deps: JobDeps): Promise<JobState> {
  const { job } = state;
  if (prepared.kind === 'reply') return notify({ ...state, reply: prepared.reply, outcome: prepared.ok ? 'succeeded' : 'failed' }, deps);
  const { rollout } = prepared;
  let reply = prepared.reply;
  if (reply) {
    // The approval's thread says the rollout starts; if Slack is away it is delivered with the final state.
    reply = (await deps.reporter.deliver(job, reply))?.left;
  }
  const source = rollout.source;
  const namespace = rollout.namespace;
  const cluster = rollout.cluster;
  // The channel sees the rollout at once (queued), before the first cluster call.
  const started = deps.reporter.startProgress(job.channel, prepared.label, namespace, prepared.requestedBy, job.requestedAt, { ...(prepared.origin ? { origin: prepared.origin } : {}), ...(cluster ? { cluster } : {}) });
  const progress = await deps.reporter.flushProgress(started, deps.now);
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
    const start = startOf(state.job);
    if (start.kind === 'steps') return await start.step(state, deps, notify);
    if (start.kind === 'prepare') return await beginJob(state, await start.prepare(state.job, deps), deps);
    const result = await answer(start.answer, state.job, deps);
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
  deps.log?.(JSON.stringify({ type: 'mesh.job', job: state.job.id, event: 'error', error: errorMessage(error) }));
  if (state.progress) {
    const failed = deps.reporter.recordProgress(state.progress, [
      { type: 'failed', at: deps.now(), diagnosis: { summary: errorMessage(error).split('\n')[0]! } },
    ]);
    return notify({ ...state, progress: failed, outcome: 'failed' }, deps);
  }
  return notify({ ...state, reply: failureReply(error, deps), outcome: 'failed' }, deps);
}
