import type { Diagnosis, PreflightProblem } from './events';
import type { ObjectRef } from './preflight';
import type { RolloutScope } from './scope';

/**
 * Where a rollout's manifests come from: a catalog app (by name), an app in a Git repository at a pinned
 * commit (every step reads that commit, whatever the branch does meanwhile), or files given to
 * `mesh deploy -f`. `only` restricts an app to some of its files (a component such as `helloworld`).
 */
export type RolloutSource =
  | { kind: 'catalog'; app: string; only?: string[] }
  | { kind: 'git'; app: string; repository: string; ref: string; commit: string; path: string; only?: string[] }
  | { kind: 'manifests'; files: { file: string; text: string }[] };

export type GitRolloutSource = Extract<RolloutSource, { kind: 'git' }>;

export type RolloutPhase = 'preflight' | 'lock' | 'apply' | 'wait' | 'finished' | 'failed' | 'cancelled';

/**
 * The whole, JSON-serialisable state of one rollout. `advance` takes one idempotent step from it, so any
 * process (the CLI loop, a Step Functions task) can continue a rollout from its last saved state.
 */
export interface RolloutState {
  id: string;
  app: string;
  namespace: string;
  /** The cluster's name as the registry calls it, for messages, the lock and the record. */
  cluster?: string;
  source: RolloutSource;
  /**
   * What it may touch beyond its namespace (the registry's limits of the app, src/rollout/scope.ts), checked at
   * pre-flight and again when each object is applied. Absent: nothing beyond the namespace.
   */
  scope?: RolloutScope;
  inject: boolean;
  /** Who asked (shown to anyone refused by the lock). */
  holder: string;
  command: string;
  /** Deadline for each stage to become ready. */
  stageTimeoutMs: number;
  phase: RolloutPhase;
  /** Index of the current stage. */
  stage: number;
  stageNames: string[];
  startedAt: string;
  stageStartedAt?: string;
  stageDurationsMs: number[];
  /** `stage: kind/name` of everything applied so far, in order. */
  applied: string[];
  /** Objects of the current stage already reported ready (so their event is emitted once). */
  readyObjects: string[];
  finishedAt?: string;
  error?: { reason: string; message: string; problems?: PreflightProblem[]; diagnosis?: Diagnosis };
  cancelledBy?: string;
  /** Since when the API server has not answered (set by the first failed step, cleared when it answers again). */
  unreachableSince?: string;
  /** Objects to delete once the last stage is ready (a rollback removes what newer revisions added). */
  prune?: ObjectRef[];
  /** The plan's hash, computed by the pre-flight; recorded in the app's history. */
  planHash?: string;
  /** An approved plan: the rollout refuses to start when the pre-flight's plan differs from it. */
  expectedPlan?: { hash: string; summary: string[] };
  approvedBy?: string[];
  /** The history revision a rollback returns to. */
  rollbackTo?: number;
}

export function isTerminal(state: RolloutState): boolean {
  return state.phase === 'finished' || state.phase === 'failed' || state.phase === 'cancelled';
}
