// The plan and the history as terminal text (`mesh deploy --plan`, `mesh rollback --plan`, `mesh history`).
import { planCounts, planDiffText, type RolloutPlan } from '../rollout/planner';
import { formatProblem } from '../rollout';
import type { Revision } from '../rollout/record';
import { describeChange } from '../traffic/plan';

const counts = (c: ReturnType<typeof planCounts>) => `${c.create} to create, ${c.change} to change, ${c.unchanged} unchanged, ${c.delete} to delete`;

export function planText(plan: RolloutPlan, label: string): string {
  const id = plan.identity;
  const where = `${id.namespace}${id.cluster ? ` on cluster ${id.cluster}` : ''}`;
  if (plan.problems.length > 0) {
    return [`plan for ${label} in ${where}: the pre-flight rejected ${plan.problems.length} object(s)`, ...plan.problems.map((p) => `  ${formatProblem(p)}`)].join('\n');
  }
  return [
    `plan ${id.hash.slice(0, 12)} for ${label} in ${where}${id.commit ? ` at commit ${id.commit.slice(0, 12)}` : ''}: ${counts(planCounts(plan))}`,
    planDiffText(plan),
    'nothing was changed',
  ].join('\n');
}

export function historyText(app: string, namespace: string, revisions: Revision[]): string {
  if (revisions.length === 0) return `no recorded revisions of ${app} in namespace ${namespace}`;
  return [
    `${app} in namespace ${namespace}, newest first:`,
    ...revisions.map((r) =>
      [
        `#${r.revision}`, (r.reason && r.outcome === 'failed' ? `failed (${r.reason})` : r.outcome).padEnd(9), r.at, `by ${r.by}`,
        ...(r.approvedBy?.length ? [`approved by ${r.approvedBy.join(', ')}`] : []),
        ...(r.traffic ? [] : [r.commit ? `commit ${r.commit.slice(0, 12)}` : 'built-in']),
        ...(r.planHash ? [`plan ${r.planHash.slice(0, 12)}`] : []),
        r.traffic ? `traffic ${describeChange(r.traffic)}` : `${r.objects.length} object(s)`,
        ...(r.rollbackTo !== undefined ? [`rollback to #${r.rollbackTo}`] : []),
      ].join('  '),
    ),
  ].join('\n');
}
