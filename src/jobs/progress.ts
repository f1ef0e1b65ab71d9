// A rollout's progress as a job reports it: a pure reducer from progress events to a view, so the door's
// message can be re-rendered from state at any time (after a Lambda hop or a Slack outage) without replaying it.

export type StageStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
export type RolloutStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Why a rollout failed, as the channel is told (the rollout engine's own `Diagnosis` is mapped onto it). */
export interface FailureReport {
  summary: string;
  object?: string;
  pod?: string;
  reason?: string;
  events?: string[];
}

/** Progress as a reporter needs it; src/jobs/rollout-progress.ts maps the rollout engine's events onto these. */
export type ProgressEvent =
  | { type: 'started'; at: number; rolloutId: string; stages: string[] }
  | { type: 'stage-started'; at: number; stage: string }
  | { type: 'object-applied'; at: number; stage: string; object: string; action?: string }
  | { type: 'object-ready'; at: number; stage: string; object: string }
  | { type: 'stage-done'; at: number; stage: string }
  | { type: 'failed'; at: number; stage?: string; diagnosis: FailureReport }
  | { type: 'cancelled'; at: number; stage?: string }
  | { type: 'finished'; at: number; stageDurations?: Record<string, number> }
  /** A detail-only remark: the plan's counts, an object deleted, or (no topic) e.g. the API server was unreachable. */
  | { type: 'note'; at: number; text: string; topic?: 'plan' | 'deleted' };

export interface StageView {
  name: string;
  status: StageStatus;
  startedAt?: number;
  finishedAt?: number;
  applied: number;
  ready: number;
}

export interface RolloutView {
  app: string;
  namespace: string;
  /** The cluster's registry name, when there are named clusters. */
  cluster?: string;
  /** Where the manifests come from: the Git commit, repository and ref. */
  origin?: string;
  requestedBy: string;
  rolloutId?: string;
  status: RolloutStatus;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  stages: StageView[];
  failure?: FailureReport & { stage?: string };
}

export function newRolloutView(app: string, namespace: string, requestedBy: string, at: number): RolloutView {
  return { app, namespace, requestedBy, status: 'queued', queuedAt: at, stages: [] };
}

function stageNamed(view: RolloutView, name: string): StageView {
  let stage = view.stages.find((s) => s.name === name);
  if (!stage) {
    stage = { name, status: 'pending', applied: 0, ready: 0 };
    view.stages.push(stage);
  }
  return stage;
}

function closeRunning(view: RolloutView, status: StageStatus, at: number): void {
  for (const stage of view.stages) {
    if (stage.status === 'running') Object.assign(stage, { status, finishedAt: at });
  }
}

export function applyProgress(previous: RolloutView, event: ProgressEvent): RolloutView {
  const view: RolloutView = structuredClone(previous);
  switch (event.type) {
    case 'started':
      Object.assign(view, { status: 'running', rolloutId: event.rolloutId, startedAt: event.at });
      for (const name of event.stages) stageNamed(view, name);
      break;
    case 'stage-started':
      Object.assign(stageNamed(view, event.stage), { status: 'running', startedAt: event.at });
      break;
    case 'object-applied':
      stageNamed(view, event.stage).applied += 1;
      break;
    case 'object-ready':
      stageNamed(view, event.stage).ready += 1;
      break;
    case 'stage-done':
      Object.assign(stageNamed(view, event.stage), { status: 'done', finishedAt: event.at });
      break;
    case 'failed':
      if (event.stage) Object.assign(stageNamed(view, event.stage), { status: 'failed', finishedAt: event.at });
      closeRunning(view, 'failed', event.at);
      Object.assign(view, { status: 'failed', finishedAt: event.at, failure: { ...event.diagnosis, stage: event.stage } });
      break;
    case 'cancelled':
      closeRunning(view, 'cancelled', event.at);
      Object.assign(view, { status: 'cancelled', finishedAt: event.at });
      break;
    case 'finished':
      for (const [name, ms] of Object.entries(event.stageDurations ?? {})) {
        const stage = stageNamed(view, name);
        if (stage.startedAt !== undefined) stage.finishedAt = stage.startedAt + ms;
      }
      if (view.status === 'running' || view.status === 'queued') Object.assign(view, { status: 'succeeded', finishedAt: event.at });
      break;
  }
  return view;
}

export function isFinal(view: RolloutView): boolean {
  return view.status === 'succeeded' || view.status === 'failed' || view.status === 'cancelled';
}
