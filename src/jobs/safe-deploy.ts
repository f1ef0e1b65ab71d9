// Safe deploys from chat, the pipeline every deploy-like verb shares (deploy, inject --apply, rollback, shift:
// src/jobs/verbs): what its job does before the rollout engine runs — the plan (`--plan`), the approval request
// for a protected namespace, an Approve/Reject decision — and the rollout it then starts (the same engine for
// deploys, approved deploys and rollbacks). Each verb resolves its own RolloutTarget.
import type { Apps } from '../apps';
import { startRollout, type RolloutRequest } from '../rollout/engine';
import { readApproval, storeApproval, updateApproval, type PendingApproval } from '../rollout/approval';
import type { ObjectRef } from '../rollout/preflight';
import { planCounts, type RolloutPlan } from '../rollout/planner';
import type { RolloutSource, RolloutState } from '../rollout/state';
import type { AppScope } from '../rollout/scope';
import { formatProblem } from '../rollout/preflight';
import { protectionFor, type ApprovalCommand, type Job } from './job';
import { UserError } from '../errors';
import type { ApprovalEvent, PendingReply, PlanView, ReportMessage } from './reporter';
import { appsOf, type JobDeps, type Prepared } from './state';

export type { Prepared } from './state';


/** What a deploy-like job rolls out, and where (src/jobs/verbs/deploy.ts `deployTarget`, rollback.ts). */
export interface RolloutTarget {
  apps: Apps;
  app: string;
  label: string;
  reference: string;
  namespace: string;
  cluster?: string;
  origin?: string;
  source: { source: RolloutSource; stageNames: string[] };
  /** The registry's limits of the app: what its objects may touch beyond the namespace. */
  scope: AppScope;
  followRef: boolean;
  inject: boolean;
  prune?: ObjectRef[];
  rollbackTo?: number;
}


function audit(deps: JobDeps, job: Job, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ type: 'mesh.audit', time: new Date(deps.now()).toISOString(), source: 'approval', user: job.user, channel: job.channel, ...fields });
  (deps.audit ?? deps.log)?.(line);
}

/** The door's stage deadline (MESH_STAGE_TIMEOUT_MS of the worker or console; the CLI's --timeout wins). */
function stageTimeout(job: Job, deps: JobDeps): Partial<RolloutRequest> {
  const ms = job.cli?.stageTimeoutMs ?? deps.stageTimeoutMs;
  return ms ? { stageTimeoutMs: ms } : {};
}

function initialState(job: Job, deps: JobDeps, t: RolloutTarget): RolloutState {
  const cli = job.cli;
  return startRollout({
    app: t.app, namespace: t.namespace, inject: t.inject, holder: cli?.holder ?? `Slack user ${job.user}`, command: cli?.commandLine ?? `/mesh ${job.text}`,
    source: t.source, scope: cli?.allowClusterResources ? { unrestricted: `mesh ${job.command.kind} --allow-cluster-resources` } : t.scope,
    ...(t.cluster ? { cluster: t.cluster } : {}), ...stageTimeout(job, deps),
    ...(t.prune?.length ? { prune: t.prune } : {}), ...(t.rollbackTo !== undefined ? { rollbackTo: t.rollbackTo } : {}),
  });
}

function planView(t: RolloutTarget, plan: Pick<RolloutPlan, 'stages' | 'deleted' | 'problems'> & { identity: { hash: string } }, requestedBy: string): PlanView {
  return {
    label: t.label, namespace: t.namespace, ...(t.cluster ? { cluster: t.cluster } : {}), ...(t.origin ? { origin: t.origin } : {}),
    requestedBy, hash: plan.identity.hash,
    stages: plan.stages.map((s) => ({ name: s.name, counts: planCounts({ stages: [s], deleted: [] }) })),
    counts: planCounts(plan), deleted: plan.deleted.map((o) => o.object), problems: plan.problems.map(formatProblem),
    ...(t.rollbackTo !== undefined ? { rollbackTo: t.rollbackTo } : {}),
  };
}

function planReply(deps: JobDeps, view: PlanView, diff: string | undefined, extraThread: ReportMessage[] = []): PendingReply {
  const message = deps.reporter.messages.plan(view);
  if (diff === undefined) return { visibility: 'channel', message, thread: extraThread };
  const rendered = deps.reporter.messages.planDiff(diff, view.hash);
  return { visibility: 'channel', message, thread: [...extraThread, ...rendered.replies], ...(rendered.file ? { file: rendered.file } : {}) };
}

async function makePlan(t: RolloutTarget, job: Job, deps: JobDeps): Promise<{ state: RolloutState; plan: RolloutPlan }> {
  const { planRollout } = await import('../rollout/planner');
  const { gitFilesLoader } = await import('../apps/rollout');
  const state = initialState(job, deps, t);
  const plan = await planRollout(await deps.kube(t.cluster), state, gitFilesLoader(t.apps), deps.istio?.compliancePolicy);
  return { state, plan };
}

async function requestApproval(t: RolloutTarget, job: Job, deps: JobDeps, rule: NonNullable<Job['protections']>[number]): Promise<Prepared> {
  const { planSummary, planDiffText } = await import('../rollout/planner');
  const { newApprovalId } = await import('../rollout/approval');
  const { plan, state } = await makePlan(t, job, deps);
  const view = planView(t, plan, job.user);
  if (plan.problems.length > 0) return { kind: 'reply', ok: false, reply: planReply(deps, view, undefined) };
  const now = deps.now();
  const approval: PendingApproval = {
    id: newApprovalId(), status: 'pending', app: t.app, namespace: t.namespace, ...(t.cluster ? { cluster: t.cluster } : {}),
    command: job.text, reference: t.reference, label: t.label, requester: job.user, channel: job.channel,
    requestedAt: new Date(now).toISOString(), validUntil: new Date(now + rule.validForMs).toISOString(),
    rule: rule.rule, approvalsRequired: rule.approvals, approvals: [],
    source: state.source, followRef: t.followRef, inject: t.inject, ...(t.prune?.length ? { prune: t.prune } : {}),
    ...(t.rollbackTo !== undefined ? { rollbackTo: t.rollbackTo } : {}), ...(t.origin ? { origin: t.origin } : {}),
    plan: { hash: plan.identity.hash, summary: planSummary(plan) },
  };
  return publishApproval(job, deps, rule, approval, view, planDiffText(plan));
}

/**
 * Stores a pending approval (closing the app's earlier one), audits it and posts its plan message with the
 * buttons; `diff` goes in the thread. For deploys, rollbacks and traffic shifts alike.
 */
export async function publishApproval(job: Job, deps: JobDeps, rule: NonNullable<Job['protections']>[number], approval: PendingApproval, view: PlanView, diff: string | undefined): Promise<Prepared> {
  const kc = await deps.kube(approval.cluster);
  await settlePrevious(kc, job, deps, approval.plan.hash, approval.namespace, approval.app);
  await storeApproval(kc, approval);
  audit(deps, job, { event: 'approval-requested', command: job.text, app: approval.app, namespace: approval.namespace, ...(approval.cluster ? { cluster: approval.cluster } : {}), plan: approval.plan.hash, rule: rule.rule, validUntil: approval.validUntil });
  const withApproval: PlanView = { ...view, approval: approvalView(approval) };
  const requested = deps.reporter.messages.approvalEvent({ kind: 'requested', user: job.user, hash: approval.plan.hash, command: job.text, approvals: rule.approvals, rule: rule.rule, validUntil: approval.validUntil });
  const reply = planReply(deps, withApproval, diff, [requested]);
  // Posted here rather than with the job's replies so the record knows its message: decisions update that
  // message, and a later request can close it. When Slack is away the reply is delivered later without that.
  const postedTs = await deps.reporter.post(job.channel, reply.message).catch(() => undefined);
  if (postedTs === undefined) return { kind: 'reply', ok: true, reply };
  const stored = await readApproval(kc, approval.namespace, approval.app);
  if (stored?.approval.id === approval.id) await updateApproval(kc, { ...stored.approval, messageTs: postedTs }, stored.resourceVersion);
  return { kind: 'reply', ok: true, reply: { ...reply, postedTs } };
}

/** publishApproval for a job's shift (src/jobs/traffic.ts), which cannot import this module back. */
export const publisher = (job: Job, deps: JobDeps) => (rule: NonNullable<Job['protections']>[number], approval: PendingApproval, view: PlanView) => publishApproval(job, deps, rule, approval, view, undefined);

/**
 * A new request replaces the app's earlier pending plan: that one is closed — as expired when its time had
 * passed, else as replaced — with an audit line, its message updated (no buttons) and a line in its thread.
 */
async function settlePrevious(kc: Awaited<ReturnType<JobDeps['kube']>>, job: Job, deps: JobDeps, newHash: string, namespace: string, app: string): Promise<void> {
  const { readApproval, updateApproval } = await import('../rollout/approval');
  const found = await readApproval(kc, namespace, app);
  if (!found || found.approval.status !== 'pending') return;
  const old = found.approval;
  const expired = Date.parse(old.validUntil) <= deps.now();
  const next: PendingApproval = expired
    ? { ...old, status: 'expired' }
    : { ...old, status: 'refused', reason: `replaced by a newer plan ${newHash.slice(0, 12)}` };
  if (!(await updateApproval(kc, next, found.resourceVersion))) return;
  audit(deps, job, { event: expired ? 'approval-expired' : 'approval-replaced', app: old.app, namespace: old.namespace, ...(old.cluster ? { cluster: old.cluster } : {}), plan: old.plan.hash, command: old.command });
  if (!old.messageTs || old.channel !== job.channel) return;
  const event: ApprovalEvent = expired ? { kind: 'expired', validUntil: old.validUntil } : { kind: 'replaced', user: job.user, hash: newHash };
  await deps.reporter.update(old.channel, old.messageTs, approvalMessage(deps, next)).catch(() => undefined);
  await deps.reporter.post(old.channel, deps.reporter.messages.approvalEvent(event), old.messageTs).catch(() => undefined);
}

function approvalView(a: PendingApproval): NonNullable<PlanView['approval']> {
  return {
    id: a.id, status: a.status, rule: a.rule, required: a.approvalsRequired, approvals: a.approvals.map((x) => x.user), validUntil: a.validUntil,
    channel: a.channel, requester: a.requester, app: a.app, ...(a.cluster ? { cluster: a.cluster } : {}),
    ...(a.decidedBy ? { decidedBy: a.decidedBy } : {}), ...(a.reason ? { reason: a.reason } : {}),
  };
}

/** The routes before and after of an approval's shift, as its plan message shows them. */
function trafficLines(change: NonNullable<PendingApproval['traffic']>): NonNullable<PlanView['traffic']> {
  const routes = (r: typeof change.before) => (r ? r.map((x) => `${x.subset} ${x.weight}%`).join(', ') : 'no routing by mesh (the Service spreads requests over all its pods)');
  return { service: change.service, before: routes(change.before), after: routes(change.after) };
}

/** The plan message re-rendered from the stored approval (counts from its summary), for chat.update. */
function approvalMessage(deps: JobDeps, a: PendingApproval): ReportMessage {
  const counts = { create: 0, change: 0, unchanged: 0, delete: 0 };
  const stages = new Map<string, typeof counts>();
  const deleted: string[] = [];
  for (const line of a.plan.summary) {
    const m = /^(.*): (create|change|unchanged) /.exec(line);
    if (m) {
      const c = stages.get(m[1]!) ?? { create: 0, change: 0, unchanged: 0, delete: 0 };
      c[m[2] as 'create']++;
      counts[m[2] as 'create']++;
      stages.set(m[1]!, c);
    } else if (line.startsWith('delete ')) {
      deleted.push(line.slice('delete '.length));
      counts.delete++;
    }
  }
  return deps.reporter.messages.plan({
    label: a.label, namespace: a.namespace, ...(a.cluster ? { cluster: a.cluster } : {}), ...(a.origin ? { origin: a.origin } : {}),
    requestedBy: a.requester, hash: a.plan.hash, stages: [...stages].map(([name, c]) => ({ name, counts: c })), counts, deleted, problems: [],
    ...(a.rollbackTo !== undefined ? { rollbackTo: a.rollbackTo } : {}), approval: approvalView(a),
    ...(a.traffic ? { traffic: trafficLines(a.traffic) } : {}),
  });
}

/** Updates the plan message (buttons gone once decided) and says what happened in its thread. */
function decisionReply(deps: JobDeps, job: Job, a: PendingApproval, happened: ApprovalEvent): PendingReply {
  const event = deps.reporter.messages.approvalEvent(happened);
  // The message the record posted, else the one the button was on.
  const ts = a.messageTs ?? job.messageTs;
  if (!ts) return { visibility: 'channel', message: event };
  return { visibility: 'channel', message: approvalMessage(deps, a), updateTs: ts, thread: [event] };
}

/** An Approve or Reject press on a plan message: the approval recorded, and on the last one the rollout or shift made. */
export async function decide(job: Job & { command: ApprovalCommand }, deps: JobDeps): Promise<Prepared> {
  const { readApproval, updateApproval } = await import('../rollout/approval');
  const { command } = job;
  const kc = await deps.kube(command.cluster);
  const found = await readApproval(kc, command.namespace, command.app);
  const refuse = (reason: string): Prepared => {
    audit(deps, job, { event: 'approval-refused', decision: command.decision, app: command.app, namespace: command.namespace, ...(command.cluster ? { cluster: command.cluster } : {}), reason });
    return { kind: 'reply', ok: false, reply: { visibility: 'ephemeral', message: deps.reporter.messages.refused(reason) } };
  };
  if (!found || found.approval.id !== command.id) return refuse('this button matches no pending approval (it was decided, replaced by a newer plan, or never existed)');
  const a = found.approval;
  if (a.channel !== job.channel) return refuse('this approval was requested in another channel');
  if (a.status !== 'pending') return refuse(`this plan was already ${a.status}${a.decidedBy ? ` by <@${a.decidedBy}>` : ''}`);
  const at = new Date(deps.now()).toISOString();
  const where = { app: a.app, namespace: a.namespace, ...(a.cluster ? { cluster: a.cluster } : {}), plan: a.plan.hash, command: a.command };
  const save = async (next: PendingApproval, auditEvent: string, happened: ApprovalEvent, ok: boolean, extra: Record<string, unknown> = {}): Promise<Prepared> => {
    if (!(await updateApproval(kc, next, found.resourceVersion))) return refuse('someone else decided on this plan at the same moment; look at its thread');
    audit(deps, job, { event: auditEvent, ...where, ...extra });
    return { kind: 'reply', ok, reply: decisionReply(deps, job, next, happened) };
  };
  if (Date.parse(a.validUntil) <= deps.now()) {
    return save({ ...a, status: 'expired', decidedBy: job.user }, 'approval-expired', { kind: 'too-late', user: job.user, decision: command.decision, validUntil: a.validUntil }, false);
  }
  if (command.decision === 'reject') {
    return save({ ...a, status: 'rejected', decidedBy: job.user }, 'approval-rejected', { kind: 'rejected', user: job.user, hash: a.plan.hash }, true);
  }
  if (job.user === a.requester) return refuse('you requested this plan; the two-person rule needs someone else to approve it');
  if (a.approvals.some((x) => x.user === job.user)) return refuse('you approved this plan already; it needs another approver');
  const approvals = [...a.approvals, { user: job.user, at }];
  if (approvals.length < a.approvalsRequired) {
    return save({ ...a, approvals }, 'approval-approved', { kind: 'approved', user: job.user, approvals: approvals.length, required: a.approvalsRequired }, true);
  }
  // The last approval: the rollout starts only with the approved plan — a moved ref is a different plan.
  if (a.followRef && a.source.kind === 'git' && a.rollbackTo === undefined) {
    const { resolveApp } = await import('../apps');
    const now = (await resolveApp(await appsOf(deps), a.reference)).snapshot.revision?.commit;
    if (now && now !== a.source.commit) {
      const reason = `the commit changed since the plan was shown: ${a.source.ref} is now at ${now.slice(0, 12)}, the plan was made at ${a.source.commit.slice(0, 12)}; request a new plan`;
      return save({ ...a, approvals, status: 'refused', reason }, 'approval-refused', { kind: 'not-started', user: job.user, reason }, false, { reason });
    }
  }
  if (a.traffic) {
    const traffic = await import('./traffic');
    const checked = await traffic.recheckShift(deps, { ...a, traffic: a.traffic });
    if ('reason' in checked) {
      return save({ ...a, approvals, status: 'refused', reason: checked.reason }, 'approval-refused', { kind: 'not-started', user: job.user, reason: checked.reason }, false, { reason: checked.reason });
    }
    const decidedShift = await save({ ...a, approvals, status: 'approved', decidedBy: job.user }, 'approval-approved', { kind: 'starting', user: job.user, approvals: approvals.length, required: a.approvalsRequired, hash: a.plan.hash, shift: true }, true);
    if (decidedShift.kind !== 'reply' || !decidedShift.ok) return decidedShift;
    const made = await traffic.makeApprovedShift(deps, { ...a, traffic: a.traffic }, checked.prepared, approvals.map((x) => x.user));
    if (made.kind !== 'reply') return made;
    const reply = decidedShift.reply;
    return { kind: 'reply', ok: true, reply: reply.updateTs ? { ...reply, thread: [...(reply.thread ?? []), made.reply.message] } : made.reply };
  }
  const approved: PendingApproval = { ...a, approvals, status: 'approved', decidedBy: job.user };
  // The app's limits as the registry says now (a tightened registry applies to plans approved before).
  const { registeredScope } = await import('../apps/rollout');
  const scope = registeredScope((await appsOf(deps)).registry, a.app);
  const decided = await save(approved, 'approval-approved', { kind: 'starting', user: job.user, approvals: approvals.length, required: a.approvalsRequired, hash: a.plan.hash }, true);
  if (decided.kind !== 'reply' || !decided.ok) return decided;
  const rollout = startRollout({
    app: a.app, namespace: a.namespace, inject: a.inject, holder: `Slack user ${a.requester}`, command: `/mesh ${a.command}`,
    source: { source: a.source, stageNames: [] }, scope, ...(a.cluster ? { cluster: a.cluster } : {}),
    ...(a.prune?.length ? { prune: a.prune } : {}), ...(a.rollbackTo !== undefined ? { rollbackTo: a.rollbackTo } : {}),
    expectedPlan: a.plan, approvedBy: approvals.map((x) => x.user), ...stageTimeout(job, deps),
  });
  return { kind: 'start', rollout, label: a.label, ...(a.origin ? { origin: a.origin } : {}), requestedBy: a.requester, reply: decided.reply };
}

/** The plan (`planOnly`), an approval request (a protected namespace), or the rollout to start. */
export async function prepareRollout(job: Job, deps: JobDeps, target: RolloutTarget, planOnly: boolean): Promise<Prepared> {
  if (planOnly) {
    const { planDiffText } = await import('../rollout/planner');
    const { plan } = await makePlan(target, job, deps);
    const view = planView(target, plan, job.user);
    return { kind: 'reply', ok: plan.problems.length === 0, reply: planReply(deps, view, plan.problems.length ? undefined : planDiffText(plan)) };
  }
  const protection = protectionFor(job.protections ?? [], target.cluster, target.app);
  if (protection.kind === 'unknown') throw new UserError(`Denied: ${protection.reason}; nothing was changed`);
  if (protection.kind === 'protected') return requestApproval(target, job, deps, protection.rule);
  return { kind: 'start', rollout: initialState(job, deps, target), label: target.label, ...(target.origin ? { origin: target.origin } : {}), requestedBy: job.user };
}
