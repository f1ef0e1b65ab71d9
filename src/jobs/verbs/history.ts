// `/mesh history <app>`: the app's recorded revisions (who, when, commit, outcome, approvals, traffic shifts).
import { DEFAULT_NAMESPACE, validateDnsLabel, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { enforceGrants } from '../job';
import { appsOf, type JobDeps, type Prepared } from '../state';
import type { CommandJob, VerbJob } from '../verb-job';

export interface HistoryCommand {
  kind: 'history';
  app: string;
  namespace?: string;
  cluster?: string;
}

declare module '../job' {
  interface VerbCommands {
    history: HistoryCommand;
  }
}

export const historyVerb = defineVerb<HistoryCommand>({
  name: 'history',
  usage: '/mesh history <app> [-n <namespace>] [--cluster <name>]',
  summary: 'list the recorded revisions of the app (who, when, commit, outcome, approvals)',
  parse(words, tools) {
    const o = tools.readOptions(words, { namespace: true, cluster: true });
    const app = validateDnsLabel(tools.exactlyOne(o, 'an app name'), 'app');
    return { kind: 'history', app, ...where(o) };
  },
  format: (c) => `history ${c.app}${whereText(c)}`,
  permission: () => 'history',
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: () => false,
});

async function history(job: CommandJob<HistoryCommand>, deps: JobDeps): Promise<Prepared> {
  const { readHistory, DEFAULT_HISTORY_LIMIT } = await import('../../rollout/record');
  const { describeChange } = await import('../../traffic/plan');
  const apps = await appsOf(deps);
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  const namespace = job.namespace ?? 'default';
  enforceGrants(job, cluster, apps.registry.defaultCluster, job.command.app);
  const revisions = await readHistory(await deps.kube(job.command.cluster), namespace, job.command.app);
  const message = deps.reporter.messages.history({
    app: job.command.app, namespace, ...(cluster ? { cluster } : {}), limit: deps.historyLimit ?? DEFAULT_HISTORY_LIMIT,
    revisions: revisions.map(({ traffic, ...r }) => ({ ...r, objects: r.objects.length, ...(traffic ? { traffic: describeChange(traffic) } : {}) })),
  });
  return { kind: 'reply', ok: true, reply: { visibility: 'ephemeral', message } };
}

/** A deploy-like job (an error fails it) that only answers. */
export const historyJob: VerbJob<HistoryCommand> = () => ({ kind: 'prepare', prepare: history });
