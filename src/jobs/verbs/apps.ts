// `/mesh apps`: the registry's apps, where each comes from, its limits, and what is deployed where.
import { defineVerb } from '../../command/verb';
import { errorMessage } from '../../errors';
import { appsOf, type JobDeps } from '../state';
import { toRequester, type Answered, type VerbJob } from '../verb-job';

export interface AppsCommand {
  kind: 'apps';
}

declare module '../job' {
  interface VerbCommands {
    apps: AppsCommand;
  }
}

export const appsVerb = defineVerb<AppsCommand>({
  name: 'apps',
  usage: '/mesh apps',
  summary: 'list the apps, where each comes from and what is deployed where',
  parse(words, tools) {
    const o = tools.readOptions(words, {});
    if (o.positionals.length > 0) tools.failWithUsage('"apps" takes no arguments');
    return { kind: 'apps' };
  },
  format: () => 'apps',
  permission: () => 'apps',
  namespace: () => undefined,
  actsOnApp: () => true,
  changesCluster: () => false,
});

/** Records of what is deployed, per cluster: registered clusters, else the door's own if it is up. */
async function deployedWhere(deps: JobDeps, clusters: string[]): Promise<string[]> {
  const { listRecords } = await import('../../rollout/record');
  const targets = clusters.length > 0 ? clusters.map((name) => ({ name, kc: () => deps.kube(name) })) : deps.peekKube ? [{ name: '', kc: deps.peekKube }] : [];
  const lines = await Promise.all(
    targets.map(async ({ name, kc }) => {
      const where = name ? `cluster ${name}` : 'this cluster';
      try {
        const config = await kc();
        if (!config) return [];
        const records = await Promise.race([
          listRecords(config),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
        ]);
        return records.map((r) => `• ${r.app}${r.component ? ` (${r.component.join(', ')})` : ''} in ${r.namespace} on ${where}: ${r.commit ? `commit ${r.commit.slice(0, 12)}` : 'built-in'}, ${r.at} by ${r.by}`);
      } catch (error) {
        return [`• ${where}: unreachable (${(error as { code?: string }).code ?? errorMessage(error).split('\n')[0]})`];
      }
    }),
  );
  return lines.flat();
}

async function listApps(deps: JobDeps): Promise<Answered> {
  const { describeClusterTarget, describeLimits, describeSource } = await import('../../apps');
  const { registry } = await appsOf(deps);
  const deployed = await deployedWhere(deps, registry.clusters.map((c) => c.name));
  const message = deps.reporter.messages.appList({
    source: registry.source,
    apps: registry.apps.map((app) => ({
      name: app.name,
      source: describeSource(app),
      limits: describeLimits(app),
    })),
    clusters: registry.clusters.map((c) => ({ name: c.name, isDefault: c.name === registry.defaultCluster, target: describeClusterTarget(c) })),
    deployed,
  });
  return { ok: true, reply: toRequester(message) };
}

export const appsJob: VerbJob<AppsCommand> = () => ({ kind: 'answer', answer: (_job, deps) => listApps(deps) });
