// src/jobs — what a /mesh command does once the door has authorized it, on any door: the job, its steps
// (step.ts: one bounded step, the worker Lambda's unit; local-runner.ts: the same steps in-process), the
// deploy-like jobs (safe-deploy.ts) and one-step jobs (short-jobs.ts), and the JobReporter port (reporter.ts)
// through which a job says what happened without knowing how it is shown: the doors import jobs and plug their
// reporter in.
//
// A job is the long part of a /mesh command, run out of band (Step Functions in AWS, in-process locally).
// Everything here is JSON-serialisable: it travels as Step Functions input and between worker steps.
import { createHash } from 'node:crypto';
import type { MeshCommand } from '../command/grammar';

/** An Approve or Reject button press, after the front door checked channel, requester and approver. */
export interface ApprovalCommand {
  kind: 'approval';
  decision: 'approve' | 'reject';
  id: string;
  app: string;
  namespace: string;
  cluster?: string;
}

export type JobCommand = MeshCommand | { kind: 'restart'; namespace: string } | ApprovalCommand;

/** A protection of the policy that matched the namespace (src/slack/policy.ts); the job matches the cluster. */
export interface ApprovalRequirement {
  rule: string;
  clusters: string[];
  approvals: number;
  validForMs: number;
}

export interface Job {
  /** Derived from the request, so a duplicate request maps to the same job (and execution name). */
  id: string;
  command: JobCommand;
  /** Canonical text, for messages and audit. */
  text: string;
  namespace?: string;
  user: string;
  team?: string;
  channel: string;
  responseUrl?: string;
  requestedAt: number;
  /** Deploys to a protected namespace wait for approval instead of starting. */
  protections?: ApprovalRequirement[];
  /** The message a button was pressed on (the plan message of an approval). */
  messageTs?: string;
}

/** The first protection of a namespace that applies on `cluster` (undefined: the door's own cluster, matched only by protections naming no cluster). */
export function protectionFor<T extends { clusters: string[] }>(protections: T[], cluster: string | undefined): T | undefined {
  return protections.find((p) => p.clusters.length === 0 || (cluster !== undefined && p.clusters.includes(cluster)));
}

export interface JobDispatcher {
  /** Starts the job out of band and returns once it is durably started (or already was). */
  start(job: Job): Promise<{ jobId: string; alreadyStarted: boolean }>;
}

const DUPLICATE_WINDOW_MS = 60_000;

/**
 * `mesh-<kind>-<hash>`: the same team, channel, user and command text within one minute give the same id,
 * so a retried or double-clicked request cannot start two jobs. Valid as a Step Functions execution name.
 */
export function jobIdFor(request: { team?: string; channel: string; user: string; text: string; at: number; kind: string }): string {
  const bucket = Math.floor(request.at / DUPLICATE_WINDOW_MS);
  const digest = createHash('sha256')
    .update([request.team ?? '', request.channel, request.user, request.text, String(bucket)].join('\n'))
    .digest('hex')
    .slice(0, 20);
  return `mesh-${request.kind}-${digest}`;
}
