// src/jobs — what a /mesh command does once the door has authorized it, on any door: the job, its steps
// (step.ts: one bounded step, the worker Lambda's unit; local-runner.ts: the same steps in-process), one module
// per verb (verbs/<verb>.ts: its grammar and how its job starts, registered in verbs/index.ts), the pipeline the
// deploy-like verbs share (safe-deploy.ts, traffic.ts), the buttons' jobs (short-jobs.ts, safe-deploy.ts
// `decide`), and the JobReporter port (reporter.ts) through which a job says what happened without knowing how it
// is shown: the doors import jobs and plug their reporter in.
//
// A job is the long part of a /mesh command, run out of band (Step Functions in AWS, in-process locally).
// Everything here is JSON-serialisable: it travels as Step Functions input and between worker steps.
import { createHash } from 'node:crypto';
import { UserError } from '../errors';

/** An Approve or Reject button press, after the front door checked channel, requester and approver. */
export interface ApprovalCommand {
  kind: 'approval';
  decision: 'approve' | 'reject';
  id: string;
  app: string;
  namespace: string;
  cluster?: string;
}

/**
 * The command of each `/mesh` verb, by its kind. Each verb's module adds its own (src/jobs/verbs/<verb>.ts:
 * `declare module '../job' { interface VerbCommands { … } }`), so the union is the verbs' own and this module
 * names none of them: the verb modules use Job without an import cycle.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface VerbCommands {}

export type MeshCommand = VerbCommands[keyof VerbCommands];

/** The Restart button of an autoinject message: restart every workload of the namespace. */
export interface RestartCommand {
  kind: 'restart';
  namespace: string;
}

export type JobCommand = MeshCommand | RestartCommand | ApprovalCommand;

/** A protection of the policy that matched the namespace (src/slack/policy.ts); the job matches cluster and app. */
export interface ApprovalRequirement {
  rule: string;
  /** Registry cluster names; none: every cluster. */
  clusters: string[];
  /** App names; none: every app. */
  apps?: string[];
  approvals: number;
  validForMs: number;
}

/**
 * A policy rule that allowed the command at the front door, which cannot know the registry: the job checks the
 * cluster and app it resolves against it. `clusters` none: the default cluster only (where a command naming no
 * cluster goes); `*`: every cluster. `apps` none or `*`: every app.
 */
export interface Grant {
  rule: string;
  clusters: string[];
  apps: string[];
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
  /** The rules that allowed it; absent when no rule was needed (read-only commands open to everyone). */
  grants?: Grant[];
  /** The message a button was pressed on (the plan message of an approval). */
  messageTs?: string;
  /** What only the CLI asks for; chat's grammar never sets it. */
  cli?: CliJobOptions;
}

/**
 * A job the `mesh` CLI runs in-process with the user's own credentials (no policy, grants or protections): who
 * it runs as and what the CLI's flags add to the chat command.
 */
export interface CliJobOptions {
  /** The rollout lock's holder and the history's `by`: `user@host (mesh CLI, pid N)`. */
  holder: string;
  /** The command line, as the lock and the records show it. */
  commandLine: string;
  /** `mesh deploy -f <file-or-dir>`: plain manifests (their contents) instead of an app of the registry. */
  files?: { file: string; text: string }[];
  /** `--allow-cluster-resources`: this run may touch whatever the user's credentials allow. */
  allowClusterResources?: boolean;
  /** `--timeout`: each stage's deadline. */
  stageTimeoutMs?: number;
}

export type ProtectionMatch<T> =
  | { kind: 'none' }
  | { kind: 'protected'; rule: T }
  /** An entry names clusters and the cluster has no registry name: mesh cannot tell, so it refuses. */
  | { kind: 'unknown'; reason: string };

/**
 * The first protection of a namespace that applies on `cluster` (undefined: the door's own cluster, which has no
 * registry name) to `app` (undefined: a command on the whole namespace, which every entry naming apps covers).
 * Fails closed: an entry naming clusters cannot say whether a nameless cluster is one of them.
 */
export function protectionFor<T extends { clusters: string[]; apps?: string[] }>(protections: T[], cluster: string | undefined, app: string | undefined): ProtectionMatch<T> {
  const nameOf = (p: T) => (p as { rule?: string; name?: string }).rule ?? (p as { name?: string }).name ?? 'a protected entry';
  const forApp = protections.filter((p) => !p.apps?.length || app === undefined || p.apps.includes(app));
  const unknown = cluster === undefined ? forApp.find((p) => p.clusters.length > 0) : undefined;
  if (unknown) {
    return {
      kind: 'unknown',
      reason: `protected entry "${nameOf(unknown)}" names clusters ${unknown.clusters.join(', ')}, and this cluster has no name in the app registry, so mesh cannot tell whether it is protected`,
    };
  }
  const rule = forApp.find((p) => p.clusters.length === 0 || p.clusters.includes(cluster!));
  return rule ? { kind: 'protected', rule } : { kind: 'none' };
}

/** The policy's rules checked against the cluster and app the job resolved (the front door knew neither). */
export function enforceGrants(job: Pick<Job, 'grants' | 'text'>, cluster: string | undefined, defaultCluster: string | undefined, app: string | undefined): void {
  const refusal = grantRefusal(job, cluster, defaultCluster, app);
  if (refusal) throw new UserError(refusal);
}

function clusterCovered(clusters: string[], cluster: string | undefined, defaultCluster: string | undefined): boolean {
  if (clusters.includes('*')) return true;
  if (clusters.length === 0) return cluster === defaultCluster;
  return cluster !== undefined && clusters.includes(cluster);
}

/**
 * Why the job may not go on: none of the rules that allowed it at the front door covers the cluster it resolved
 * to (`defaultCluster`: the registry's; both undefined for the door's own) and the app (undefined: the command
 * acts on the whole namespace). Undefined when one does, or when the job carries no grants.
 */
export function grantRefusal(job: Pick<Job, 'grants' | 'text'>, cluster: string | undefined, defaultCluster: string | undefined, app: string | undefined): string | undefined {
  if (!job.grants) return undefined;
  const covers = (g: Grant) => clusterCovered(g.clusters, cluster, defaultCluster) && (g.apps.length === 0 || g.apps.includes('*') || (app !== undefined && g.apps.includes(app)));
  if (job.grants.some(covers)) return undefined;
  const what = (g: Grant) =>
    `"${g.rule}" covers ${g.clusters.length ? `clusters ${g.clusters.join(', ')}` : 'the default cluster only'}${g.apps.length ? ` and apps ${g.apps.join(', ')}` : ''}`;
  const where = `${app ? `app ${app} on ` : ''}${cluster ? `cluster ${cluster}` : "the door's own cluster"}`;
  return `Denied: no policy rule grants \`${job.text}\` for ${where} (${job.grants.map(what).join('; ')}); nothing was changed`;
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
