// `mesh status <app> [-n ns] [--cluster name] [--kubeconfig path]`: chat's status job — each stage's and
// workload's readiness, and any rollout in progress; exit 1 while a stage is not ready.
import { UserError } from '../errors';
import { atMostOne, parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';
import { runCliJob } from './run-job';

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'status',
    args,
    { namespace: { type: 'string', short: 'n', default: 'default' }, kubeconfig: { type: 'string' }, cluster: { type: 'string' } },
    true,
  );
  refuseEmptyValues('status', values);
  const app = atMostOne('status', positionals);
  if (!app) throw new UserError('which app? usage: mesh status <app> [-n <namespace>]');
  const command = { kind: 'status' as const, app, namespace: values.namespace, ...(values.cluster ? { cluster: values.cluster } : {}) };
  return runCliJob({ name: 'status', args, command, namespace: values.namespace, kubeconfig: values.kubeconfig }, io);
}
