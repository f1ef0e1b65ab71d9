// A rollout's plan: per stage, what applying would create, change (which fields) or leave unchanged, and what
// a rollback deletes — with an identity (cluster, namespace, app, commit and a hash of the exact objects and
// changes) so that an approval binds to exactly what was shown. The engine re-plans before it starts; a plan
// whose identity differs from the approved one is refused (src/rollout/engine.ts).
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { canonicalJson, formatChange } from './diff';
import { planObjects, refKey, type ObjectRef, type PlannedObject } from './preflight';
import type { PreflightProblem } from './events';
import { ownerMark } from './ownership';
import { resolveStages, type GitFilesLoader } from './resolve';
import type { RolloutState } from './state';

export interface PlanIdentity {
  cluster?: string;
  namespace: string;
  app: string;
  commit?: string;
  /** sha256 (hex) of the objects to apply, the changes to live objects and the deletions. */
  hash: string;
}

export interface RolloutPlan {
  identity: PlanIdentity;
  stages: { name: string; objects: PlannedObject[] }[];
  deleted: PlannedObject[];
  problems: PreflightProblem[];
}

export type PlanCounts = Record<PlannedObject['action'], number>;

export function planCounts(plan: Pick<RolloutPlan, 'stages' | 'deleted'>): PlanCounts {
  const counts: PlanCounts = { create: 0, change: 0, unchanged: 0, delete: plan.deleted.length };
  for (const stage of plan.stages) for (const o of stage.objects) counts[o.action] += 1;
  return counts;
}

/** One line per object that matters to an approver: `backends: change deployment/mysql (spec.replicas)`. */
export function planSummary(plan: Pick<RolloutPlan, 'stages' | 'deleted'>): string[] {
  const lines = plan.stages.flatMap((s) =>
    s.objects.map((o) => `${s.name}: ${o.action} ${o.object}${o.changes ? ` (${o.changes.map((c) => c.path).sort().join(', ')})` : ''}`),
  );
  return [...lines, ...plan.deleted.map((o) => `delete ${o.object}`)];
}

/** How the plan differs from one approved earlier (by their summaries): what an approver would not recognise. */
export function summaryDifferences(approved: string[], now: string[]): string[] {
  const before = new Set(approved);
  const after = new Set(now);
  return [...approved.filter((l) => !after.has(l)).map((l) => `was: ${l}`), ...now.filter((l) => !before.has(l)).map((l) => `now: ${l}`)];
}

export function planHash(plan: Pick<RolloutPlan, 'stages' | 'deleted'>, where: Omit<PlanIdentity, 'hash'>): string {
  const content = {
    ...where,
    stages: plan.stages.map((s) => ({
      name: s.name,
      objects: s.objects.map((o) => ({
        action: o.action,
        sent: o.sent,
        changes: [...(o.changes ?? [])].sort((a, b) => a.path.localeCompare(b.path)),
      })),
    })),
    deleted: plan.deleted.map((o) => refKey(o.ref)),
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export function commitOf(state: Pick<RolloutState, 'source'>): string | undefined {
  return state.source.kind === 'git' ? state.source.commit : undefined;
}

/** Plans a rollout from its (initial) state against the live cluster; changes nothing. */
export async function planRollout(kc: KubeConfig, state: RolloutState, gitFiles?: GitFilesLoader, compliancePolicy?: string): Promise<RolloutPlan> {
  const { stages, problems: parseProblems } = await resolveStages(state, gitFiles, kc, compliancePolicy);
  const owner = { mark: ownerMark(state.namespace, state.app), namespace: state.namespace };
  const planned = await planObjects(kc, stages, state.namespace, { prune: state.prune ?? [], owner, scope: state.scope });
  const commit = commitOf(state);
  const where = { ...(state.cluster ? { cluster: state.cluster } : {}), namespace: state.namespace, app: state.app, ...(commit ? { commit } : {}) };
  return {
    identity: { ...where, hash: planHash(planned, where) },
    stages: planned.stages,
    deleted: planned.deleted,
    problems: [...parseProblems, ...planned.problems],
  };
}

/** The full diff as text (a thread reply or a file): every object, the changed fields of changed ones. */
export function planDiffText(plan: Pick<RolloutPlan, 'stages' | 'deleted'>): string {
  const out: string[] = [];
  for (const stage of plan.stages) {
    out.push(`# stage ${stage.name}`);
    for (const o of stage.objects) {
      out.push(`${o.action === 'create' ? '+' : o.action === 'change' ? '~' : '='} ${o.object} ${o.action === 'change' ? 'changed' : o.action === 'create' ? 'created' : 'unchanged'}`);
      for (const c of o.changes ?? []) out.push(`    ${formatChange(c)}`);
    }
  }
  if (plan.deleted.length > 0) {
    out.push('# deleted after the last stage is ready');
    for (const o of plan.deleted) out.push(`- ${o.object} deleted`);
  }
  return out.join('\n');
}

export type { ObjectRef, PlannedObject };
