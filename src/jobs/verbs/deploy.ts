// `/mesh deploy <app>`: the app rolled out stage by stage (`--plan`: only what would change), through the shared
// plan → approval → rollout pipeline of src/jobs/safe-deploy.ts.
import { DEFAULT_NAMESPACE, validateReference, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { enforceGrants, type Job } from '../job';
import type { RolloutTarget } from '../safe-deploy';
import { appsOf, type JobDeps } from '../state';
import type { VerbJob } from '../verb-job';

export interface DeployCommand {
  kind: 'deploy';
  app: string;
  namespace?: string;
  cluster?: string;
  commit?: string;
  inject: boolean;
  plan?: boolean;
}

declare module '../job' {
  interface VerbCommands {
    deploy: DeployCommand;
  }
}

export const deployVerb = defineVerb<DeployCommand>({
  name: 'deploy',
  usage: '/mesh deploy <app> [-n <namespace>] [--cluster <name>] [--commit <sha>] [--inject] [--plan]',
  summary: 'roll the app out stage by stage, with live progress here (--inject adds sidecars, --plan only shows what would change)',
  parse(words, tools) {
    const o = tools.readOptions(words, { flags: ['--inject', '--plan'], namespace: true, cluster: true, commit: true });
    const app = validateReference(tools.exactlyOne(o, 'an app name'));
    return { kind: 'deploy', app, ...where(o), ...(o.commit ? { commit: o.commit } : {}), inject: o.flags.has('--inject'), ...(o.flags.has('--plan') ? { plan: true } : {}) };
  },
  format: (c) => `deploy ${c.app}${whereText(c)}${c.inject ? ' --inject' : ''}${c.plan ? ' --plan' : ''}`,
  permission: (c) => (c.plan ? 'plan' : 'deploy'),
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: (c) => !c.plan,
});

/**
 * The app as the registry resolves it now (`--commit`, else its ref's head), checked against the policy's grants
 * and the registry's limits; `inject`: with sidecars (`--inject`, `/mesh inject --apply`).
 */
/** `mesh deploy -f` (the CLI only): plain manifests under the name the CLI gave them; they may touch only the namespace. */
async function manifestsTarget(job: Job & { command: { app: string; cluster?: string } }, files: { file: string; text: string }[], deps: JobDeps, inject: boolean): Promise<RolloutTarget> {
  const { NO_EXTRA_SCOPE } = await import('../../rollout/scope');
  const apps = await appsOf(deps);
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  return {
    apps, app: job.command.app, reference: job.command.app, label: job.command.app, namespace: job.namespace ?? 'default', ...(cluster ? { cluster } : {}),
    source: { source: { kind: 'manifests', files }, stageNames: [] }, scope: { ...NO_EXTRA_SCOPE, owner: 'mesh deploy -f (without --allow-cluster-resources)' },
    followRef: false, inject,
  };
}

export async function deployTarget(job: Job & { command: { app: string; cluster?: string; commit?: string } }, deps: JobDeps, inject: boolean): Promise<RolloutTarget> {
  if (job.cli?.files) return manifestsTarget(job, job.cli.files, deps, inject);
  const { resolveApp } = await import('../../apps');
  const { checkTarget, describeRevision, registeredScope, rolloutSourceOf } = await import('../../apps/rollout');
  const apps = await appsOf(deps);
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  const namespace = job.namespace ?? 'default';
  const resolved = await resolveApp(apps, job.command.app, job.command.commit);
  const app = resolved.snapshot.app.name;
  enforceGrants(job, cluster, apps.registry.defaultCluster, app);
  checkTarget(resolved.snapshot.app, namespace, cluster);
  const origin = describeRevision(resolved);
  return {
    apps, app, reference: job.command.app, namespace, ...(cluster ? { cluster } : {}), ...(origin ? { origin } : {}),
    label: resolved.component ? `${resolved.component.name} (${app})` : app,
    source: rolloutSourceOf(resolved), scope: registeredScope(apps.registry, app), followRef: !job.command.commit,
    inject,
  };
}

export const deployJob: VerbJob<DeployCommand> = () => ({
  kind: 'prepare',
  prepare: async (job, deps) => (await import('../safe-deploy')).prepareRollout(job, deps, await deployTarget(job, deps, job.command.inject), job.command.plan === true),
});
