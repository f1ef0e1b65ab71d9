// The staged rollout engine: one core for every door (CLI, console, Slack worker, Step Functions). It emits
// typed events and diagnoses as data and renders no text (src/cli/rollout-text.ts, src/slack/render do). The
// injection engine and the injector resolution serve `--inject` only.
export type {
  RolloutEvent,
  EventPayload,
  StartedEvent,
  StageStartedEvent,
  ObjectAppliedEvent,
  ObjectReadyEvent,
  StageDoneEvent,
  FailedEvent,
  CancelledEvent,
  FinishedEvent,
  Diagnosis,
  PreflightProblem,
} from './events';
export { type RolloutState, type RolloutSource, type RolloutPhase, isTerminal } from './state';
export {
  startRollout,
  advance,
  runRollout,
  requestCancel,
  DEFAULT_STAGE_TIMEOUT_MS,
  type RolloutRequest,
  type RolloutDeps,
} from './engine';
export { rolloutStatus, type AppStatus } from './status';
export { listApps, loadApp, appFiles } from './catalog';
export { type Plan, type PlanStage, stagesFromSyncWaves, SYNC_WAVE_ANNOTATION } from './plan';
export { type ManifestDocument, parseManifestDocuments } from './manifests';
export { formatProblem } from './events';
export { readLock, type LockInfo } from './lock';
export type { ManifestTransform } from './resolve';
