// `/mesh rollback <app>`: an earlier revision deployed again (default: the last one that succeeded before the
// current), deleting what newer ones added — or, when that revision is a traffic shift, its routes restored.
import { DEFAULT_NAMESPACE, validateDnsLabel, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { enforceGrants } from '../job';
import type { RolloutTarget } from '../safe-deploy';
import { appsOf, type JobDeps, type Prepared } from '../state';
import type { CommandJob, VerbJob } from '../verb-job';

export interface RollbackCommand {
  kind: 'rollback';
  app: string;
  namespace?: string;
  cluster?: string;
  to?: number;
  plan?: boolean;
}

declare module '../job' {
  interface VerbCommands {
    rollback: RollbackCommand;
  }
}

export const rollbackVerb = defineVerb<RollbackCommand>({
  name: 'rollback',
  usage: '/mesh rollback <app> [-n <namespace>] [--cluster <name>] [--to <revision>] [--plan]',
  summary: 'deploy an earlier revision again (default: the last one that succeeded before the current), deleting what newer ones added',
  parse(words, tools) {
    const o = tools.readOptions(words, { flags: ['--plan'], namespace: true, cluster: true, revision: true });
    const app = validateDnsLabel(tools.exactlyOne(o, 'an app name'), 'app');
    return { kind: 'rollback', app, ...where(o), ...(o.revision !== undefined ? { to: o.revision } : {}), ...(o.flags.has('--plan') ? { plan: true } : {}) };
  },
  format: (c) => `rollback ${c.app}${whereText(c)}${c.to !== undefined ? ` --to ${c.to}` : ''}${c.plan ? ' --plan' : ''}`,
  permission: (c) => (c.plan ? 'plan' : 'rollback'),
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  // Even with --plan (the protections travel with the job; a plan only shows them).
  changesCluster: () => true,
});

/** The revision to deploy again (`--to`, else the last that succeeded before the current) and what to prune. */
async function rollbackOf(job: CommandJob<RollbackCommand>, deps: JobDeps): Promise<RolloutTarget> {
  const { readHistory, rollbackTarget } = await import('../../rollout/record');
  const { registeredScope } = await import('../../apps/rollout');
  const apps = await appsOf(deps);
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  const namespace = job.namespace ?? 'default';
  enforceGrants(job, cluster, apps.registry.defaultCluster, job.command.app);
  const history = await readHistory(await deps.kube(job.command.cluster), namespace, job.command.app);
  const { target, prune } = rollbackTarget(history, job.command.to);
  const source = target.source;
  const stageNames: string[] = [];
  const only = source.kind !== 'manifests' && source.only ? ` (${source.only.join(', ')})` : '';
  return {
    apps, app: job.command.app, reference: job.command.app, namespace, ...(cluster ? { cluster } : {}),
    label: `${job.command.app}${only}`,
    origin: `revision ${target.revision}${target.commit ? `, commit ${target.commit.slice(0, 12)}` : ''} of ${target.at}`,
    source: { source, stageNames }, scope: registeredScope(apps.registry, job.command.app), followRef: false, inject: target.inject, prune, rollbackTo: target.revision,
  };
}

/** A rollback whose target is a traffic shift (src/rollout/record.ts `trafficRollbackTarget`): its routes restored. */
async function trafficRollbackOf(job: CommandJob<RollbackCommand>, deps: JobDeps): Promise<Prepared | undefined> {
  const { readHistory, trafficRollbackTarget } = await import('../../rollout/record');
  const traffic = await import('../traffic');
  const { publisher } = await import('../safe-deploy');
  const target = await traffic.shiftTargetOf(job, deps);
  const found = trafficRollbackTarget(await readHistory(await deps.kube(target.cluster), target.namespace, target.app), job.command.to);
  if (!found) return undefined;
  const undid = job.command.to === undefined ? { undid: found.revision } : {};
  return traffic.trafficJob(job, deps, { ...target, service: found.service }, { restore: found.routes }, { planOnly: job.command.plan === true, publish: publisher(job, deps), ...undid });
}

export const rollbackJob: VerbJob<RollbackCommand> = () => ({
  kind: 'prepare',
  async prepare(job, deps) {
    const undo = await trafficRollbackOf(job, deps);
    if (undo) return undo;
    const target = await rollbackOf(job, deps);
    return (await import('../safe-deploy')).prepareRollout(job, deps, target, job.command.plan === true);
  },
});
