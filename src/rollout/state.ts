import type { Diagnosis, PreflightProblem } from './events';

/** Where a rollout's manifests come from: a catalog app (by name) or files given to `mesh deploy -f`. */
export type RolloutSource =
  | { kind: 'catalog'; app: string }
  | { kind: 'manifests'; files: { file: string; text: string }[] };

export type RolloutPhase = 'preflight' | 'lock' | 'apply' | 'wait' | 'finished' | 'failed' | 'cancelled';

/**
 * The whole, JSON-serialisable state of one rollout. `advance` takes one idempotent step from it, so any
 * process (the CLI loop, a Step Functions task) can continue a rollout from its last saved state.
 */
export interface RolloutState {
  id: string;
  app: string;
  namespace: string;
  source: RolloutSource;
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
}

export function isTerminal(state: RolloutState): boolean {
  return state.phase === 'finished' || state.phase === 'failed' || state.phase === 'cancelled';
}
