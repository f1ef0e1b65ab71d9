/**
 * Typed progress events of a rollout. Every door renders them its own way (CLI lines, Slack messages); the
 * engine only emits them.
 */
export interface EventBase {
  rolloutId: string;
  app: string;
  namespace: string;
  /** ISO timestamp with milliseconds, taken when the engine emitted the event. */
  at: string;
}

export interface StartedEvent extends EventBase {
  type: 'started';
  holder: string;
  stages: { name: string; objects: string[] }[];
}

/** The pre-flight's plan: how many objects each stage creates, changes or leaves, what is deleted at the end. */
export interface PlannedEvent extends EventBase {
  type: 'planned';
  hash: string;
  counts: { create: number; change: number; unchanged: number; delete: number };
  deleted: string[];
}

/** A rollback removed an object the newer revision had added — or, with `kept`, left it and says why. */
export interface ObjectDeletedEvent extends EventBase {
  type: 'object-deleted';
  object: string;
  /** Not deleted: why it is not the app's (src/rollout/ownership.ts). */
  kept?: string;
}

export interface StageStartedEvent extends EventBase {
  type: 'stage-started';
  stage: string;
  index: number;
  total: number;
}

export interface ObjectAppliedEvent extends EventBase {
  type: 'object-applied';
  stage: string;
  /** `kind/name`, e.g. `deployment/mysql` */
  object: string;
  /** What server-side apply did: created, configured (changed) or unchanged. */
  result: 'created' | 'configured' | 'unchanged';
}

export interface ObjectReadyEvent extends EventBase {
  type: 'object-ready';
  stage: string;
  object: string;
  message: string;
}

export interface StageDoneEvent extends EventBase {
  type: 'stage-done';
  stage: string;
  index: number;
  durationMs: number;
}

export interface FailedEvent extends EventBase {
  type: 'failed';
  /** preflight: invalid plan, nothing changed; locked: another rollout holds the lock; stage: a workload failed. */
  reason: 'preflight' | 'plan-changed' | 'locked' | 'stage' | 'deadline' | 'lock-lost' | 'error' | 'unreachable';
  message: string;
  stage?: string;
  problems?: PreflightProblem[];
  diagnosis?: Diagnosis;
  applied: string[];
}

export interface CancelledEvent extends EventBase {
  type: 'cancelled';
  by: string;
  stage?: string;
  applied: string[];
}

/** A step could not reach the API server; the rollout keeps trying until it answers or the limit passes. */
export interface ApiUnreachableEvent extends EventBase {
  type: 'api-unreachable';
  server: string;
  error: string;
  stage?: string;
}

/** The API server answers again after an outage of `downMs`. */
export interface ApiRecoveredEvent extends EventBase {
  type: 'api-recovered';
  server: string;
  downMs: number;
}

/** The rollout's outcome could not be written to the app's history (the rollout itself went on). */
export interface HistoryNotRecordedEvent extends EventBase {
  type: 'history-not-recorded';
  outcome: 'running' | 'succeeded' | 'failed' | 'cancelled';
  error: string;
}

export interface FinishedEvent extends EventBase {
  type: 'finished';
  durationMs: number;
  stages: { name: string; durationMs: number }[];
}

export type RolloutEvent =
  | StartedEvent
  | PlannedEvent
  | StageStartedEvent
  | ObjectAppliedEvent
  | ObjectReadyEvent
  | StageDoneEvent
  | ObjectDeletedEvent
  | FailedEvent
  | CancelledEvent
  | ApiUnreachableEvent
  | ApiRecoveredEvent
  | HistoryNotRecordedEvent
  | FinishedEvent;

/** One object the pre-flight dry-run (or parsing) rejected. */
export interface PreflightProblem {
  file: string;
  line?: number;
  /** `Kind/name`, absent when the file did not parse */
  object?: string;
  reason: string;
}

/**
 * A problem's one line, `file:line Kind/name: reason` — the form every door shows (CLI, Slack plan messages) and
 * the safe-deploy job stores in its state, so it lives with the data rather than with one door's renderer.
 */
export function formatProblem(p: PreflightProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}${p.object ? ` ${p.object}` : ''}: ${p.reason}`;
}

/** Why a stage did not become ready: the workload, its stuck pod, the reason and the pod's last events. */
export interface Diagnosis {
  /** `kind/name` */
  object: string;
  reason: string;
  message: string;
  pod?: string;
  events: { at?: string; type?: string; reason?: string; message?: string }[];
  /** Readiness of every object of the stage that was not ready when the rollout stopped. */
  pending: { object: string; message: string }[];
}

/** An event without the fields the engine fills in (rolloutId, app, namespace, at). */
export type EventPayload = RolloutEvent extends infer E ? (E extends RolloutEvent ? Omit<E, keyof EventBase> : never) : never;
