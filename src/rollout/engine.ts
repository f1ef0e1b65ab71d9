import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage, UserError } from '../errors';
import { deleteObject, ensureNamespace, getObject, serverSideApplyWithResult } from '../kube/objects';
import { forgetDiscovery, UnservedKindError } from '../kube/resources';
import { objectLabel, type KubeObject } from '../kube/types';
import { KubeApiError } from '../kube/request';
import { connectionErrorCode } from '../kube/unreachable';
import { loadApp } from './catalog';
import { diagnose } from './diagnose';
import { objectKey, type StageEvaluation } from './evaluate';
import type { Diagnosis, EventPayload, FailedEvent, PreflightProblem, RolloutEvent } from './events';
import { acquireLock, checkLock, markCancel, releaseLock } from './lock';
import { forEachLimited, isServed, placeStages, refOf, type ObjectRef } from './preflight';
import { applyGroups, definedKind, definedKinds } from './apply-order';
import { notOurs, ownerMark } from './ownership';
import type { RolloutScope } from './scope';
import { planCounts, planRollout, planSummary, summaryDifferences } from './planner';
import { recordRevision, type RevisionOutcome } from './record';
import { resolveStages, type GitFilesLoader } from './resolve';
import { isTerminal, type RolloutSource, type RolloutState } from './state';
import { waitForStage } from './wait';
import { isDnsLabel } from '../dns-label';

export interface RolloutRequest {
  /** Catalog app name, or (with `files`) the name the lock and status use for a plain set of manifests. */
  app: string;
  files?: { file: string; text: string }[];
  /** A resolved app source (a Git app at a commit, a component); `stageNames` are then the caller's. */
  source?: { source: RolloutSource; stageNames: string[] };
  cluster?: string;
  namespace: string;
  /** What it may touch beyond the namespace (the app's registry limits); absent: nothing. */
  scope?: RolloutScope;
  inject?: boolean;
  holder: string;
  command: string;
  stageTimeoutMs?: number;
  /** Objects to delete once every stage is ready (a rollback). */
  prune?: ObjectRef[];
  /** Start only if the pre-flight's plan is this approved one. */
  expectedPlan?: { hash: string; summary: string[] };
  approvedBy?: string[];
  rollbackTo?: number;
}

export interface RolloutDeps {
  kc: KubeConfig;
  emit: (event: RolloutEvent) => void;
  /** Longest one wait step may last; Step Functions tasks must be bounded. Default 20 s. */
  stepBudgetMs?: number;
  /** Reads a Git app's files at its pinned commit (rollouts of Git apps only). */
  gitFiles?: GitFilesLoader;
  /** Lease duration of the rollout lock; a holder silent for this long loses it. Default 60 s. */
  leaseDurationSeconds?: number;
  /** How long the API server may stay unreachable before the rollout stops. Default 2 minutes. */
  unreachableLimitMs?: number;
  /** Revisions kept in the app's history (src/rollout/record.ts). */
  historyLimit?: number;
  /** The door's COMPLIANCE_POLICY, for sidecars mesh's engine renders (`--inject`); "" = none. */
  compliancePolicy?: string;
  now?: () => number;
}

export const DEFAULT_STAGE_TIMEOUT_MS = 5 * 60_000;

/** A new rollout's initial state; validates the request (unknown app, bad namespace) without any I/O. */
export function startRollout(request: RolloutRequest): RolloutState {
  let source: RolloutSource;
  let stageNames: string[] = [];
  if (request.source) {
    source = request.source.source;
    stageNames = request.source.stageNames;
  } else if (request.files) {
    if (!isDnsLabel(request.app)) throw new UserError(`"${request.app}" is not a valid app name`);
    source = { kind: 'manifests', files: request.files };
  } else {
    stageNames = loadApp(request.app).stages.map((s) => s.name);
    source = { kind: 'catalog', app: request.app };
  }
  if (!isDnsLabel(request.namespace)) throw new UserError(`"${request.namespace}" is not a valid namespace name`);
  return {
    id: `${request.namespace}.${request.app}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    app: request.app,
    namespace: request.namespace,
    ...(request.cluster ? { cluster: request.cluster } : {}),
    source,
    ...(request.scope ? { scope: request.scope } : {}),
    inject: request.inject ?? false,
    holder: request.holder,
    command: request.command,
    stageTimeoutMs: request.stageTimeoutMs ?? DEFAULT_STAGE_TIMEOUT_MS,
    phase: 'preflight',
    stage: 0,
    stageNames,
    startedAt: new Date().toISOString(),
    stageDurationsMs: [],
    applied: [],
    readyObjects: [],
    ...(request.prune?.length ? { prune: request.prune } : {}),
    ...(request.expectedPlan ? { expectedPlan: request.expectedPlan } : {}),
    ...(request.approvedBy?.length ? { approvedBy: request.approvedBy } : {}),
    ...(request.rollbackTo !== undefined ? { rollbackTo: request.rollbackTo } : {}),
  };
}

const onCluster = (state: RolloutState) => (state.cluster ? ` on cluster ${state.cluster}` : '');

/** One call of `advance`: the state it starts from and what it may use, with the helpers every phase needs. */
class PhaseStep {
  constructor(
    readonly state: RolloutState,
    readonly deps: RolloutDeps,
  ) {}
  now(): number {
    return (this.deps.now ?? Date.now)();
  }
  emit(event: EventPayload): void {
    const { id, app, namespace } = this.state;
    this.deps.emit({ rolloutId: id, app, namespace, at: new Date(this.now()).toISOString(), ...event } as RolloutEvent);
  }
  /**
   * Writes the outcome to the app's history. A failure to write is an event every door shows, never silent; only
   * a start or a success whose record met an unreachable API server throws, so the step is repeated once it answers.
   */
  async record(outcome: Exclude<RevisionOutcome, 'interrupted'>, at: string, reason?: string, objects?: ObjectRef[]): Promise<void> {
    try {
      await recordRevision(this.deps.kc, this.state, outcome, at, objects ?? (await revisionObjects(this)), this.deps.historyLimit, reason);
    } catch (error) {
      if ((outcome === 'running' || outcome === 'succeeded') && isUnreachable(error)) throw error;
      this.emit({ type: 'history-not-recorded', outcome, error: errorMessage(error) ?? String(error) });
    }
  }
  async fail(
    reason: FailedEvent['reason'],
    message: string,
    extra: { problems?: PreflightProblem[]; diagnosis?: Diagnosis; release?: boolean } = {},
  ): Promise<RolloutState> {
    const { state } = this;
    const finishedAt = new Date(this.now()).toISOString();
    // Whatever stopped it, a rollout that applied something is a revision of the app (a lost lock, an API server
    // gone for good included: if the history cannot be written then, the user is told so).
    if (state.applied.length > 0) await this.record('failed', finishedAt, reason);
    if (extra.release !== false) await releaseLock(this.deps.kc, state.namespace, state.app, state.id);
    const stage = state.phase === 'apply' || state.phase === 'wait' ? state.stageNames[state.stage] : undefined;
    this.emit({ type: 'failed', reason, message, stage, problems: extra.problems, diagnosis: extra.diagnosis, applied: state.applied });
    return {
      ...state,
      phase: 'failed',
      finishedAt,
      error: { reason, message, problems: extra.problems, diagnosis: extra.diagnosis },
    };
  }
}

/** Every stage's objects as they are applied: placed in the namespace, marked as the app's. */
async function stageObjects(step: PhaseStep): Promise<{ name: string; objects: KubeObject[] }[]> {
  const { state, deps } = step;
  const { stages } = await resolveStages(state, deps.gitFiles, deps.kc, deps.compliancePolicy);
  return placeStages(deps.kc, stages, state.namespace, ownerMark(state.namespace, state.app), state.scope);
}

async function revisionObjects(step: PhaseStep): Promise<ObjectRef[]> {
  return (await stageObjects(step)).flatMap((s) => s.objects.map(refOf));
}

async function runPreflight(step: PhaseStep): Promise<RolloutState> {
  const { state, deps } = step;
  const { stages } = await resolveStages(state, deps.gitFiles, deps.kc, deps.compliancePolicy);
  step.emit({
    type: 'started',
    holder: state.holder,
    stages: stages.map((s) => ({ name: s.name, objects: s.documents.map((d) => objectKey(d.object)) })),
  });
  const plan = await planRollout(deps.kc, state, deps.gitFiles, deps.compliancePolicy);
  if (plan.problems.length > 0) {
    return step.fail('preflight', `pre-flight rejected ${plan.problems.length} object(s); nothing was changed`, { problems: plan.problems, release: false });
  }
  const expected = state.expectedPlan;
  if (expected && expected.hash !== plan.identity.hash) {
    const differences = summaryDifferences(expected.summary, planSummary(plan));
    const why = differences.length > 0 ? differences.join('; ') : 'the objects to apply differ from the approved ones';
    return step.fail('plan-changed', `the plan changed since it was approved (${why}); nothing was changed — request a new plan`, { release: false });
  }
  step.emit({ type: 'planned', hash: plan.identity.hash, counts: planCounts(plan), deleted: plan.deleted.map((o) => o.object) });
  return { ...state, phase: 'lock', stageNames: stages.map((s) => s.name), planHash: plan.identity.hash };
}

async function takeLock(step: PhaseStep): Promise<RolloutState> {
  const { state, deps } = step;
  await ensureNamespace(deps.kc, state.namespace);
  const result = await acquireLock(
    deps.kc,
    state.namespace,
    state.app,
    { rolloutId: state.id, holder: state.holder, command: state.command, ...(state.cluster ? { cluster: state.cluster } : {}) },
    deps.leaseDurationSeconds ?? 60,
    step.now(),
  );
  if (!result.acquired) {
    const h = result.heldBy;
    return step.fail(
      'locked',
      `${state.app} in namespace ${state.namespace}${onCluster(state)} is being deployed by ${h.holder} since ${h.since} (${h.command || h.rolloutId}); try again when it is done`,
      { release: false },
    );
  }
  return { ...state, phase: 'apply' };
}

/** Between steps: lost lock → failed; cancel requested → cancelled (reporting what was applied). */
async function guard(step: PhaseStep): Promise<RolloutState | undefined> {
  const { state, deps } = step;
  const check = await checkLock(deps.kc, state.namespace, state.app, state.id, step.now());
  if (!check.held) {
    const by = check.heldBy ? ` (now held by ${check.heldBy.holder}, rollout ${check.heldBy.rolloutId})` : '';
    return step.fail('lock-lost', `the rollout lock of ${state.app} in ${state.namespace}${onCluster(state)} was lost${by}`, { release: false });
  }
  if (check.cancelRequestedBy) {
    const at = new Date(step.now()).toISOString();
    if (state.applied.length > 0) await step.record('cancelled', at);
    await releaseLock(deps.kc, state.namespace, state.app, state.id);
    step.emit({ type: 'cancelled', by: check.cancelRequestedBy, stage: state.stageNames[state.stage], applied: state.applied });
    return { ...state, phase: 'cancelled', cancelledBy: check.cancelRequestedBy, finishedAt: new Date(step.now()).toISOString() };
  }
  return undefined;
}

// Server-side applies in flight at once within an apply group.
const APPLY_CONCURRENCY = 16;
// How often a custom resource's kind is looked for again while its CRD is being established.
const SERVED_POLL_MS = 250;

/**
 * Applies the current stage in dependency order (src/rollout/apply-order.ts), group after group. A custom
 * resource whose CRD is the app's own is applied only once that CRD is Established and the API server serves
 * its kind; until then (within the step's budget) the step waits, and a later step repeats the apply (idempotent).
 */
async function applyStage(step: PhaseStep): Promise<RolloutState> {
  const { state, deps } = step;
  const stopped = await guard(step);
  if (stopped) return stopped;
  const stages = await stageObjects(step);
  const stage = stages[state.stage]!;
  let stageStartedAt = state.stageStartedAt;
  if (!stageStartedAt) {
    stageStartedAt = new Date(step.now()).toISOString();
    step.emit({ type: 'stage-started', stage: stage.name, index: state.stage, total: stages.length });
  }
  // The revision is in the history before anything is applied; its outcome replaces `running` at the end.
  if (state.applied.length === 0) await step.record('running', stageStartedAt, undefined, stages.flatMap((s) => s.objects.map(refOf)));
  const applied = [...state.applied];
  const appliedSet = new Set(applied);
  const defined = definedKinds(stages.flatMap((s) => s.objects));
  const deadline = Date.parse(stageStartedAt) + state.stageTimeoutMs;
  const until = Math.min(step.now() + (deps.stepBudgetMs ?? 20_000), deadline);
  for (const group of applyGroups(stage.objects)) {
    const pending = await unservedDefinitions(deps.kc, group.objects, defined, until);
    if (pending.length > 0) {
      const current = { ...state, stageStartedAt, applied };
      if (step.now() < deadline) return current;
      const what = pending.map((p) => `${p.kind} (customresourcedefinition/${p.crd})`).join(', ');
      return new PhaseStep(current, deps).fail('deadline', `stage "${stage.name}" was not ready within ${Math.round(state.stageTimeoutMs / 1000)}s: the API server does not serve ${what} yet`);
    }
    await forEachLimited(group.objects, async (obj) => {
      const { created } = await serverSideApplyWithResult(deps.kc, obj);
      const object = objectKey(obj);
      step.emit({ type: 'object-applied', stage: stage.name, object, result: created ? 'created' : 'configured' });
      const entry = `${stage.name}: ${object}`;
      if (!appliedSet.has(entry)) {
        appliedSet.add(entry);
        applied.push(entry);
      }
    }, APPLY_CONCURRENCY);
  }
  return { ...state, phase: 'wait', stageStartedAt, applied, readyObjects: [] };
}

/**
 * The kinds among `objects` that the app's own CRDs define and the cluster does not serve yet, after waiting
 * (until `untilMs`) for each CRD to be Established and discovery to list its kind.
 */
async function unservedDefinitions(
  kc: KubeConfig,
  objects: KubeObject[],
  defined: ReturnType<typeof definedKinds>,
  untilMs: number,
): Promise<{ kind: string; crd: string }[]> {
  const kinds = new Map<string, { apiVersion: string; kind: string; crd: string }>();
  for (const obj of objects) {
    const definition = definedKind(defined, obj);
    if (definition) kinds.set(`${obj.apiVersion}/${obj.kind}`, { apiVersion: obj.apiVersion, kind: obj.kind, crd: definition.crd });
  }
  for (;;) {
    const pending = [];
    for (const k of kinds.values()) {
      if (await isServed(kc, k)) continue;
      const crd = await getObject(kc, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: k.crd } });
      const established = ((crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
      // Discovery answers are cached: once the CRD is established, ask again.
      if (established) forgetDiscovery(kc, k.apiVersion);
      if (!established || !(await isServed(kc, k))) pending.push(k);
    }
    if (pending.length === 0 || Date.now() >= untilMs) return pending;
    await sleep(SERVED_POLL_MS);
  }
}

async function waitStage(step: PhaseStep): Promise<RolloutState> {
  const { state, deps } = step;
  const stopped = await guard(step);
  if (stopped) return stopped;
  const stages = await stageObjects(step);
  const stage = stages[state.stage]!;
  const startedMs = Date.parse(state.stageStartedAt ?? new Date(step.now()).toISOString());
  const deadline = startedMs + state.stageTimeoutMs;
  const until = Math.min(step.now() + (deps.stepBudgetMs ?? 20_000), deadline);
  const readyObjects = [...state.readyObjects];
  // Judged again after every change and every second: a set, so a stage of a thousand objects stays cheap.
  const reported = new Set(readyObjects);
  const report = (evaluation: StageEvaluation) => {
    for (const o of evaluation.objects) {
      if (o.readiness.done && !o.readiness.failed && !reported.has(o.object)) {
        reported.add(o.object);
        readyObjects.push(o.object);
        step.emit({ type: 'object-ready', stage: stage.name, object: o.object, message: o.readiness.message });
      }
    }
  };
  const evaluation = await waitForStage(deps.kc, state.namespace, stage.objects, until, report);
  const current = { ...state, readyObjects };
  const waited = new PhaseStep(current, deps);
  if (evaluation.status === 'failed') {
    const diagnosis = await diagnose(deps.kc, state.namespace, evaluation);
    return waited.fail('stage', `stage "${stage.name}" failed: ${diagnosis.object}: ${diagnosis.message}`, { diagnosis });
  }
  if (evaluation.status === 'waiting') {
    if (step.now() < deadline) return current;
    const diagnosis = await diagnose(deps.kc, state.namespace, evaluation, { stage: stage.name, timeoutMs: state.stageTimeoutMs });
    return waited.fail('deadline', diagnosis.message, { diagnosis });
  }
  const durationMs = step.now() - startedMs;
  waited.emit({ type: 'stage-done', stage: stage.name, index: state.stage, durationMs });
  const stageDurationsMs = [...state.stageDurationsMs, durationMs];
  if (state.stage + 1 < stages.length) {
    return { ...current, phase: 'apply', stage: state.stage + 1, stageStartedAt: undefined, readyObjects: [], stageDurationsMs };
  }
  // A rollback removes what the newer revisions added, only once the revision it returns to is healthy, and
  // only objects that still carry this app's mark (someone else's object of the same name stays).
  await pruneObjects(waited, state.prune ?? []);
  const finishedAt = new Date(step.now()).toISOString();
  await waited.record('succeeded', finishedAt, undefined, stages.flatMap((s) => s.objects.map(refOf)));
  await releaseLock(deps.kc, state.namespace, state.app, state.id);
  waited.emit({
    type: 'finished',
    durationMs: step.now() - Date.parse(state.startedAt),
    stages: stages.map((s, i) => ({ name: s.name, durationMs: stageDurationsMs[i] ?? 0 })),
  });
  return { ...current, phase: 'finished', stageDurationsMs, finishedAt: new Date(step.now()).toISOString() };
}

/**
 * Deletes what a rollback leaves behind, in the reverse of the apply order (workloads before what they use,
 * custom resources before their CRDs), each only if it still carries the app's mark. An object whose kind is
 * no longer served (its CRD deleted just before) is gone with it.
 */
async function pruneObjects(step: PhaseStep, refs: ObjectRef[]): Promise<void> {
  const { state, deps } = step;
  const mark = ownerMark(state.namespace, state.app);
  for (const group of applyGroups(refs).reverse()) {
    for (const ref of group.objects) {
      const object = objectLabel({ kind: ref.kind, metadata: { name: ref.name } });
      const where = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
      const live = await getObject(deps.kc, where).catch((error: unknown) => {
        if (error instanceof UnservedKindError) return undefined;
        throw error;
      });
      if (!live || live.metadata.deletionTimestamp) continue;
      const kept = notOurs(live, mark, state.namespace);
      if (kept) {
        step.emit({ type: 'object-deleted', object, kept });
        continue;
      }
      await deleteObject(deps.kc, { ...where, metadata: { ...where.metadata, uid: live.metadata.uid } });
      step.emit({ type: 'object-deleted', object });
    }
  }
}

/**
 * One idempotent, time-bounded step of a rollout: pre-flight, lock, apply a stage, or wait (at most
 * `stepBudgetMs`) for a stage. Returns the next state; a terminal state is returned unchanged.
 */
export async function advance(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  const step = new PhaseStep(state, deps);
  let next: RolloutState;
  try {
    next = await advancePhase(step);
  } catch (error) {
    // Before anything is applied (pre-flight, lock) an unreachable cluster is simply down: say so at once.
    // Once the rollout holds the lock and has applied, an outage is waited out (bounded) so it can finish.
    const underway = state.phase === 'apply' || state.phase === 'wait';
    if (!underway || !isUnreachable(error)) throw error;
    return stillUnreachable(step, error);
  }
  if (state.unreachableSince === undefined) return next;
  const downMs = step.now() - Date.parse(state.unreachableSince);
  step.emit({ type: 'api-recovered', server: apiServer(deps.kc), downMs });
  return { ...next, unreachableSince: undefined };
}

async function advancePhase(step: PhaseStep): Promise<RolloutState> {
  switch (step.state.phase) {
    case 'preflight':
      return runPreflight(step);
    case 'lock':
      return takeLock(step);
    case 'apply':
      return applyStage(step);
    case 'wait':
      return waitStage(step);
    default:
      return step.state;
  }
}

export const DEFAULT_UNREACHABLE_LIMIT_MS = 2 * 60_000;

/**
 * The request never got an HTTP answer: the API server (or the way to it) is down, not refusing — or it answered
 * that it cannot serve right now: 503, or 504 when its storage (etcd) did not answer within its request timeout.
 */
function isUnreachable(error: unknown): boolean {
  if (connectionErrorCode(error) !== undefined) return true;
  if (error instanceof KubeApiError && (error.statusCode === 503 || error.statusCode === 504)) return true;
  // The kube adapter's own timeouts and dropped sockets carry no code, only their message.
  for (let e = error as { cause?: unknown; message?: string } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (/socket hang up|ECONNREFUSED|ECONNRESET|timed out after/.test(e.message ?? '')) return true;
  }
  return false;
}

function apiServer(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? 'the API server';
}

/**
 * A step that could not reach the API server: the state stays where it was (steps are idempotent, so the next
 * one repeats it), the first time says so, and past the limit the rollout stops with one line that names the
 * server, the stage reached and what was applied. The lock cannot be released without the server; it
 * expires on its own.
 */
async function stillUnreachable(step: PhaseStep, error: unknown): Promise<RolloutState> {
  const { state, deps } = step;
  const server = apiServer(deps.kc);
  const reason = errorMessage(error) ?? String(error);
  const since = state.unreachableSince ?? new Date(step.now()).toISOString();
  const stage = state.stageNames[state.stage];
  if (state.unreachableSince === undefined) {
    step.emit({ type: 'api-unreachable', server, error: reason, ...(state.phase === 'apply' || state.phase === 'wait' ? { stage } : {}) });
  }
  const downMs = step.now() - Date.parse(since);
  if (downMs < (deps.unreachableLimitMs ?? DEFAULT_UNREACHABLE_LIMIT_MS)) return { ...state, unreachableSince: since };
  const where = state.phase === 'apply' || state.phase === 'wait' ? `in stage "${stage}" (${state.stage + 1}/${state.stageNames.length})` : `during ${state.phase}`;
  const applied = state.applied.length ? state.applied.join(', ') : 'nothing';
  return new PhaseStep({ ...state, unreachableSince: since }, deps).fail(
    'unreachable',
    `the API server ${server} has been unreachable for ${Math.round(downMs / 1000)} s (${reason}); stopped ${where}; applied so far: ${applied}`,
    { release: false },
  );
}

/** The in-process loop (CLI, console): advance until terminal. Unexpected errors release the lock. */
export async function runRollout(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  let current = state;
  let retry = 0;
  while (!isTerminal(current)) {
    try {
      current = await advance(current, deps);
      // While the API server is away: 0.5 s, 1 s, 2 s, … up to 8 s between attempts, not a request storm.
      if (current.unreachableSince !== undefined && !isTerminal(current)) await sleep(Math.min(500 * 2 ** retry++, 8000));
      else retry = 0;
    } catch (error) {
      if (error instanceof UserError) {
        return new PhaseStep(current, deps).fail('error', error.message, { release: current.phase !== 'preflight' });
      }
      await releaseLock(deps.kc, current.namespace, current.app, current.id).catch(() => undefined);
      throw error;
    }
  }
  return current;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks a running rollout to stop at its next step (from any process, e.g. a Slack Cancel button). */
export async function requestCancel(kc: KubeConfig, rolloutId: string, by = 'someone'): Promise<boolean> {
  const [namespace, app] = rolloutId.split('.');
  if (!namespace || !app) throw new UserError(`"${rolloutId}" is not a rollout id`);
  return markCancel(kc, namespace, app, rolloutId, by);
}
