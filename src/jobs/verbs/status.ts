// `/mesh status <app>`: the app's latest rollout, stage by stage, as the cluster shows it.
import { DEFAULT_NAMESPACE, validateDnsLabel, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { enforceGrants } from '../job';
import { appsOf, type JobDeps } from '../state';
import { toRequester, type Answered, type CommandJob, type VerbJob } from '../verb-job';

export interface StatusCommand {
  kind: 'status';
  app: string;
  namespace?: string;
  cluster?: string;
}

declare module '../job' {
  interface VerbCommands {
    status: StatusCommand;
  }
}

export const statusVerb = defineVerb<StatusCommand>({
  name: 'status',
  usage: '/mesh status <app> [-n <namespace>] [--cluster <name>]',
  summary: 'show the latest rollout of the app',
  parse(words, tools) {
    const o = tools.readOptions(words, { namespace: true, cluster: true });
    const app = validateDnsLabel(tools.exactlyOne(o, 'an app name'), 'app');
    return { kind: 'status', app, ...where(o) };
  },
  format: (c) => `status ${c.app}${whereText(c)}`,
  permission: () => 'status',
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: () => false,
});

async function appStatus(job: CommandJob<StatusCommand>, deps: JobDeps): Promise<Answered> {
  const { rolloutStatus } = await import('../../rollout/status');
  const { resolveApp } = await import('../../apps');
  const { stagesOf } = await import('../../apps/rollout');
  const apps = await appsOf(deps);
  const resolved = await resolveApp(apps, job.command.app);
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  enforceGrants(job, cluster, apps.registry.defaultCluster, resolved.snapshot.app.name);
  const status = await rolloutStatus(await deps.kube(job.command.cluster), resolved.snapshot.app.name, job.namespace ?? 'default', stagesOf(resolved));
  return { ok: true, reply: toRequester(deps.reporter.messages.status(status, cluster)) };
}

export const statusJob: VerbJob<StatusCommand> = () => ({ kind: 'answer', answer: appStatus });
