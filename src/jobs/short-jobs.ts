// The Restart button's job (every workload of a namespace restarted, after `/mesh autoinject enable`), and the
// check it shares with `/mesh autoinject` (src/jobs/verbs/autoinject.ts): both act on every app of the namespace.
import { enforceGrants, protectionFor, type Job, type RestartCommand } from './job';
import { UserError } from '../errors';
import { appsOf, type JobDeps } from './state';
import type { Answered, VerbJob } from './verb-job';

/**
 * autoinject enable|disable and Restart act on the door's default cluster and on every app of the namespace: the
 * policy's grants must cover that cluster, and a protected namespace refuses them — chat collects approvals for
 * plans of deploys only, so the two-person rule holds by sending these to an operator (`mesh autoinject …`).
 */
export async function checkNamespaceWide(job: Job, deps: JobDeps): Promise<void> {
  const { registry } = await appsOf(deps);
  const cluster = registry.defaultCluster;
  enforceGrants(job, cluster, cluster, undefined);
  const protection = protectionFor(job.protections ?? [], cluster, undefined);
  if (protection.kind === 'unknown') throw new UserError(`Denied: ${protection.reason}; nothing was changed`);
  if (protection.kind === 'protected') {
    throw new UserError(
      `Denied: namespace ${job.namespace ?? ''} is protected by "${protection.rule.rule}" (two-person rule), and chat collects approvals for deploy, rollback and inject --apply plans only; an operator runs \`mesh autoinject\` for it. Nothing was changed`,
    );
  }
}

async function restart(job: Job & { command: RestartCommand }, deps: JobDeps): Promise<Answered> {
  const { restart: restartWorkloads } = await import('../autoinject');
  await checkNamespaceWide(job, deps);
  const report = await restartWorkloads(await deps.kube(), job.command.namespace);
  return { ok: report.failed.length === 0, reply: { visibility: 'channel', message: deps.reporter.messages.restarted(job.user, report) } };
}

export const restartJob: VerbJob<RestartCommand> = () => ({ kind: 'answer', answer: restart });
