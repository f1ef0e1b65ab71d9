import { UserError } from '../errors';
import { appsFromEnv, resolveApp } from '../apps';
import { clusterKubeConfig } from '../apps/clusters';
import { stagesOf } from '../apps/rollout';
import { commandKubeConfig } from './kubeconfig';
import { rolloutStatus } from '../rollout';
import { atMostOne, parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';

/** `mesh status <app> [-n ns] [--kubeconfig path]`: each stage's and workload's readiness, and any rollout in progress. */
export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'status',
    args,
    {
      namespace: { type: 'string', short: 'n', default: 'default' },
      kubeconfig: { type: 'string' },
      cluster: { type: 'string' },
    },
    true,
  );
  refuseEmptyValues('status', values);
  const app = atMostOne('status', positionals);
  const { namespace, kubeconfig, cluster } = values;
  if (!app) throw new UserError('which app? usage: mesh status <app> [-n <namespace>]');
  const apps = appsFromEnv(io.env);
  const resolved = await resolveApp(apps, app);
  const kc = await clusterKubeConfig(apps.registry, cluster, io.env, () => commandKubeConfig(kubeconfig, io));
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
