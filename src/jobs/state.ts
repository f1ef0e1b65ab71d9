// What a job needs from its door (JobDeps) and what it carries between steps (JobState, JSON: Step Functions
// input and output, and the local runner's record).
import type { KubeConfig } from '@kubernetes/client-node';
import type { Apps } from '../apps';
import type { IstioSwitches } from '../config';
import type { RolloutState } from '../rollout/state';
import type { CanaryState } from '../traffic/canary';
import type { Job } from './job';
import type { JobReporter, PendingReply, ProgressReport } from './reporter';

export interface JobDeps {
  /** Where the job's replies and progress go (src/slack/reporter.ts). */
  reporter: JobReporter;
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
  /** Istio's switches of the door's process (COMPLIANCE_POLICY), for what mesh's injection engine renders. */
  istio?: IstioSwitches;
}

/** What a deploy-like job does next: answer (plan, history, approval state) or start a rollout. */
export type Prepared =
  | { kind: 'reply'; ok: boolean; reply: PendingReply }
  | { kind: 'start'; rollout: RolloutState; label: string; origin?: string; requestedBy: string; reply?: PendingReply };

export interface JobState {
  job: Job;
  phase: 'run' | 'notify' | 'done';
  rollout?: RolloutState;
  /** A canary release in progress (src/jobs/verbs/canary.ts). */
  canary?: CanaryState;
  progress?: ProgressReport;
  reply?: PendingReply;
  outcome?: 'succeeded' | 'failed' | 'cancelled';
  /** True once nothing is left to do; the state machine's Choice state reads it. */
  done: boolean;
  /** Seconds to wait before the next step (retrying Slack after an outage). */
  waitSeconds: number;
  notifyAttempts: number;
  lastError?: string;
}

export function initialJobState(job: Job): JobState {
  return { job, phase: 'run', done: false, waitSeconds: 0, notifyAttempts: 0 };
}

/** The door's registry and loader; the built-in catalog only when the door gives none. */
export async function appsOf(deps: JobDeps): Promise<Apps> {
  return deps.apps ? deps.apps() : (await import('../apps')).builtinApps();
}
