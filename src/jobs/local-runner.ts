// The in-process job runner (console, tests): the same `stepJob` the worker Lambda runs, in a loop, with the
// waits a Step Functions state machine would do. Duplicate job ids are not started twice.
import type { Job, JobDispatcher } from './job';
import { initialJobState, type JobDeps, type JobState } from './state';
import { stepJob } from './step';
import { errorMessage } from '../errors';

export interface LocalRunner extends JobDispatcher {
  /** Resolves when no job is running. */
  idle(): Promise<void>;
  /** Final (or latest) state of every job started. */
  states: Map<string, JobState>;
}

export function localRunner(deps: JobDeps, options: { maxWaitMs?: number; onDone?: (state: JobState) => void } = {}): LocalRunner {
  const states = new Map<string, JobState>();
  const running = new Set<Promise<void>>();
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function run(job: Job): Promise<void> {
    let state = await stepJob({ job }, deps);
    states.set(job.id, state);
    while (!state.done) {
      if (state.waitSeconds > 0) await sleep(Math.min(state.waitSeconds * 1000, options.maxWaitMs ?? Infinity));
      state = await stepJob(state, deps);
      states.set(job.id, state);
    }
    options.onDone?.(state);
  }

  return {
    states,
    async start(job) {
      if (states.has(job.id)) return { jobId: job.id, alreadyStarted: true };
      states.set(job.id, initialJobState(job));
      const task = run(job).catch((error: unknown) => {
        const failed: JobState = { ...states.get(job.id)!, done: true, phase: 'done', outcome: 'failed', lastError: errorMessage(error) };
        states.set(job.id, failed);
        deps.log?.(JSON.stringify({ type: 'mesh.job', job: job.id, event: 'crashed', error: errorMessage(error) }));
        options.onDone?.(failed);
      });
      const tracked = task.finally(() => running.delete(tracked));
      running.add(tracked);
      return { jobId: job.id, alreadyStarted: false };
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
