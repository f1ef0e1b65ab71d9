// Plans, history and status as terminal text (`mesh deploy --plan`, `mesh rollback --plan`, `mesh history`,
// `mesh status`), from the views the jobs report (src/jobs/reporter.ts).
import type { HistoryView, PlanCountsView } from '../jobs/reporter';
import type { AppStatus } from '../rollout/status';

export const planCountsText = (c: PlanCountsView) => `${c.create} to create, ${c.change} to change, ${c.unchanged} unchanged, ${c.delete} to delete`;

export function historyText(app: string, namespace: string, revisions: HistoryView['revisions']): string {
  if (revisions.length === 0) return `no recorded revisions of ${app} in namespace ${namespace}`;
  return [
    `${app} in namespace ${namespace}, newest first:`,
    ...revisions.map((r) =>
      [
        `#${r.revision}`, (r.reason && r.outcome === 'failed' ? `failed (${r.reason})` : r.outcome).padEnd(9), r.at, `by ${r.by}`,
        ...(r.approvedBy?.length ? [`approved by ${r.approvedBy.join(', ')}`] : []),
        ...(r.traffic ? [] : [r.commit ? `commit ${r.commit.slice(0, 12)}` : 'built-in']),
        ...(r.planHash ? [`plan ${r.planHash.slice(0, 12)}`] : []),
        r.traffic ? `traffic ${r.traffic}` : `${r.objects} object(s)`,
        ...(r.rollbackTo !== undefined ? [`rollback to #${r.rollbackTo}`] : []),
      ].join('  '),
    ),
  ].join('\n');
}

/** Each stage's and object's readiness, and the rollout in progress if any. */
export function statusText(status: AppStatus): string {
  const lines = [`${status.app} in namespace ${status.namespace}`];
  if (status.lock) lines.push(`rollout in progress: ${status.lock.rolloutId} by ${status.lock.holder} since ${status.lock.since}`);
  status.stages.forEach((stage, i) => {
    lines.push(`stage ${i + 1} ${stage.name}: ${stage.ready ? 'ready' : 'not ready'}`);
    for (const o of stage.objects) lines.push(`  ${o.ready ? 'ready    ' : o.failed ? 'FAILED   ' : 'waiting  '} ${o.object}: ${o.message}`);
  });
  return lines.join('\n');
}
