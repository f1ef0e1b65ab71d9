// The worker's half of a verb (`<verb>Job` in src/jobs/verbs/<verb>.ts): how a job of its commands starts. step.ts
// runs it; the verb's module imports its engines on use, so the worker loads only what the job runs.
import type { Job } from './job';
import type { PendingReply, ReportMessage } from './reporter';
import type { JobDeps, JobState, Prepared } from './state';

/** The one reply that is the whole job, and whether it did what was asked. */
export interface Answered {
  ok: boolean;
  reply: PendingReply;
}

export type CommandJob<C> = Job & { command: C };

/** Ends a job: its final messages delivered (step.ts). */
export type FinishJob = (state: JobState, deps: JobDeps) => Promise<JobState>;

export type JobStart<C> =
  /** Answers in one step (apps, status, a preview); a UserError it throws is the answer, to the requester only. */
  | { kind: 'answer'; answer: (job: CommandJob<C>, deps: JobDeps) => Promise<Answered> }
  /** Deploy-like: a plan, an approval request or a rollout to start (src/jobs/safe-deploy.ts); a UserError fails the job. */
  | { kind: 'prepare'; prepare: (job: CommandJob<C>, deps: JobDeps) => Promise<Prepared> }
  /** Drives its own steps (a canary): every step of the job runs it until it finishes the job. */
  | { kind: 'steps'; step: (state: JobState, deps: JobDeps, finish: FinishJob) => Promise<JobState> };

/** How a job of a command starts (an inject preview answers; inject --apply deploys). */
export type VerbJob<C> = (command: C) => JobStart<C>;

export const toRequester = (message: ReportMessage): PendingReply => ({ visibility: 'ephemeral', message });
