import { UserError } from '../errors';
import { appsFromEnv, resolveApp } from '../apps';
import { clusterKubeConfig } from '../apps/clusters';
import { stagesOf } from '../apps/rollout';
import { resolveKubeConfig } from '../kube/config';
import { rolloutStatus } from '../rollout';
import type { CliIO } from './io';

/** `mesh status <app> [-n ns] [--kubeconfig path]`: each stage's and workload's readiness, and any rollout in progress. */
export async function run(args: string[], io: CliIO): Promise<number> {
  let app: string | undefined;
  let namespace = 'default';
  let kubeconfig: string | undefined;
  let cluster: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (!v) throw new UserError(`${arg} needs a value`);
      return v;
    };
    if (arg === '-n' || arg === '--namespace') namespace = value();
    else if (arg === '--kubeconfig') kubeconfig = value();
    else if (arg === '--cluster') cluster = value();
    else if (arg.startsWith('-')) throw new UserError(`unknown option ${arg}`);
    else if (app === undefined) app = arg;
    else throw new UserError(`unexpected argument "${arg}"`);
  }
  if (!app) throw new UserError('which app? usage: mesh status <app> [-n <namespace>]');
  const apps = appsFromEnv(io.env);
  const resolved = await resolveApp(apps, app);
  const kc = await clusterKubeConfig(apps.registry, cluster, io.env, () => resolveKubeConfig({ kubeconfig, env: io.env, cwd: io.cwd }));
  const status = await rolloutStatus(kc, resolved.snapshot.app.name, namespace, stagesOf(resolved));
  const lines = [`${status.app} in namespace ${status.namespace}`];
  if (status.lock) {
    lines.push(`rollout in progress: ${status.lock.rolloutId} by ${status.lock.holder} since ${status.lock.since}`);
  }
  status.stages.forEach((stage, i) => {
    lines.push(`stage ${i + 1} ${stage.name}: ${stage.ready ? 'ready' : 'not ready'}`);
    for (const o of stage.objects) lines.push(`  ${o.ready ? 'ready    ' : o.failed ? 'FAILED   ' : 'waiting  '} ${o.object}: ${o.message}`);
  });
  io.stdout(`${lines.join('\n')}\n`);
  return status.stages.every((s) => s.ready) ? 0 : 1;
}
