// Traffic shifts from chat: `/mesh shift <app>[.<service>] v2=20` and a rollback that undoes a shift. The same
// plan → approval (protected namespaces) → change → history path as a deploy, but the change is one pair of
// routing objects (src/traffic), made at once, not a staged rollout.
import type { PendingApproval } from '../rollout/approval';
import type { TrafficChange } from '../rollout/record';
import type { PreparedShift, ShiftTarget, ShiftWanted } from '../traffic/shift';
import { UserError } from '../errors';
import { enforceGrants, protectionFor, type ApprovalRequirement, type Job } from './job';
import type { PlanView } from './reporter';
import { appsOf, type JobDeps, type Prepared } from './state';

/** Stores and posts an approval request (src/jobs/safe-deploy.ts `publishApproval`, handed in: it imports this module). */
export type PublishApproval = (rule: ApprovalRequirement, approval: PendingApproval, view: PlanView) => Promise<Prepared>;

/** `<app>` (its Service has the app's name) or `<app>.<service>`. */
export async function shiftTargetOf(job: Job & { command: { app: string; cluster?: string } }, deps: JobDeps): Promise<ShiftTarget> {
  const apps = await appsOf(deps);
  const [app, service] = job.command.app.split('.') as [string, string | undefined];
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  // The policy rule that let the request in must cover this cluster and app, as for a deploy.
  enforceGrants(job, cluster, apps.registry.defaultCluster, app);
  return { app, service: service ?? app, namespace: job.namespace ?? 'default', ...(cluster ? { cluster } : {}) };
}

async function planViewOf(prepared: PreparedShift, requestedBy: string): Promise<PlanView> {
  const { describeRoutes } = await import('../traffic/plan');
  const { target, plan } = prepared;
  const none = { create: 0, change: 0, unchanged: 0, delete: 0 };
  return {
    label: target.app, namespace: target.namespace, ...(target.cluster ? { cluster: target.cluster } : {}), requestedBy, hash: prepared.hash,
    stages: [], counts: none, deleted: [], problems: [],
    traffic: { service: plan.service, before: describeRoutes(plan.before), after: describeRoutes(plan.after) },
  };
}

async function shifted(deps: JobDeps, prepared: PreparedShift, requestedBy: string, revision: number, extra: { undid?: number; approvedBy?: string[] }): Promise<Prepared> {
  const { describeRoutes } = await import('../traffic/plan');
  const { target, plan } = prepared;
  const message = deps.reporter.messages.trafficShifted({
    label: target.app, service: plan.service, namespace: target.namespace, ...(target.cluster ? { cluster: target.cluster } : {}), requestedBy,
    before: describeRoutes(plan.before), after: describeRoutes(plan.after), revision, ...extra,
  });
  return { kind: 'reply', ok: true, reply: { visibility: 'channel', message } };
}

/**
 * Plans the shift (a one-line refusal when it cannot be made, nothing changed); answers with the plan (`--plan`),
 * an approval request (a protected namespace), or makes the shift and records it.
 */
export async function trafficJob(job: Job, deps: JobDeps, target: ShiftTarget, wanted: ShiftWanted, options: { planOnly: boolean; undid?: number; publish: PublishApproval }): Promise<Prepared> {
  const { prepareShift, executeShift } = await import('../traffic/shift');
  const kc = await deps.kube(target.cluster);
  const prepared = await prepareShift(kc, target, wanted);
  const view = await planViewOf(prepared, job.user);
  if (options.planOnly) return { kind: 'reply', ok: true, reply: { visibility: 'channel', message: deps.reporter.messages.plan(view) } };
  const protection = protectionFor(job.protections ?? [], target.cluster, target.app);
  if (protection.kind === 'unknown') throw new UserError(`Denied: ${protection.reason}; nothing was changed`);
  if (protection.kind === 'protected') {
    const rule = protection.rule;
    const { newApprovalId } = await import('../rollout/approval');
    const { describeChange } = await import('../traffic/plan');
    const now = deps.now();
    const change: TrafficChange = { service: prepared.plan.service, ...(prepared.plan.before ? { before: prepared.plan.before } : {}), ...(prepared.plan.after ? { after: prepared.plan.after } : {}) };
    const approval: PendingApproval = {
      id: newApprovalId(), status: 'pending', app: target.app, namespace: target.namespace, ...(target.cluster ? { cluster: target.cluster } : {}),
      command: job.text, reference: job.command.kind === 'shift' ? job.command.app : target.app, label: target.app, requester: job.user, channel: job.channel,
      requestedAt: new Date(now).toISOString(), validUntil: new Date(now + rule.validForMs).toISOString(),
      rule: rule.rule, approvalsRequired: rule.approvals, approvals: [],
      source: { kind: 'manifests', files: [] }, followRef: false, inject: false,
      plan: { hash: prepared.hash, summary: [`traffic ${describeChange(change)}`] },
      traffic: { ...change, app: target.app, ...(options.undid !== undefined ? { undid: options.undid } : {}) },
    };
    return options.publish(rule, approval, view);
  }
  const revision = await executeShift(kc, prepared, { id: job.id, by: job.cli?.holder ?? `Slack user ${job.user}`, at: new Date(deps.now()).toISOString(), ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}) });
  return shifted(deps, prepared, job.user, revision, options.undid !== undefined ? { undid: options.undid } : {});
}

type TrafficApproval = PendingApproval & { traffic: NonNullable<PendingApproval['traffic']> };

/**
 * Before the last approval counts: the shift re-planned against the cluster now, which must still be the
 * approved plan (same routes before and after); else the reason it is refused and nothing changes.
 */
export async function recheckShift(deps: JobDeps, a: TrafficApproval): Promise<{ prepared: PreparedShift } | { reason: string }> {
  const { prepareShift } = await import('../traffic/shift');
  const target: ShiftTarget = { app: a.traffic.app, service: a.traffic.service, namespace: a.namespace, ...(a.cluster ? { cluster: a.cluster } : {}) };
  const prepared = await prepareShift(await deps.kube(a.cluster), target, { restore: a.traffic.after });
  if (prepared.hash !== a.plan.hash) return { reason: `the routes of ${a.traffic.service} changed since the plan was shown; request a new plan` };
  return { prepared };
}

/** Makes an approved shift and records it; the message that says so. */
export async function makeApprovedShift(deps: JobDeps, a: TrafficApproval, prepared: PreparedShift, approvedBy: string[]): Promise<Prepared> {
  const { executeShift } = await import('../traffic/shift');
  const revision = await executeShift(await deps.kube(a.cluster), prepared, { id: `mesh-shift-${a.id}`, by: `Slack user ${a.requester}`, at: new Date(deps.now()).toISOString(), approvedBy, ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}) });
  return shifted(deps, prepared, a.requester, revision, { approvedBy, ...(a.traffic.undid !== undefined ? { undid: a.traffic.undid } : {}) });
}
