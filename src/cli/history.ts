// `mesh history <app>` and `mesh rollback <app> [--to <revision>] [--plan]`: the app's recorded revisions, and
// deploying one of them again (or undoing a traffic shift) — chat's history and rollback jobs, run by the CLI.
import { UserError } from '../errors';
import { isDnsLabel } from '../dns-label';
import { atMostOne, parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';
import { runCliJob } from './run-job';

const common = {
  namespace: { type: 'string', short: 'n', default: 'default' },
  kubeconfig: { type: 'string' },
  cluster: { type: 'string' },
} as const;

function appOf(command: 'history' | 'rollback', positionals: string[]): string {
  const app = atMostOne(command, positionals);
  if (app === undefined || !isDnsLabel(app)) throw new UserError(`which app? usage: mesh ${command} <app> [-n <namespace>]`);
  return app;
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('history', args, common, true);
  refuseEmptyValues('history', values);
  const app = appOf('history', positionals);
  return runCliJob(
    { name: 'history', args, command: { kind: 'history', app, namespace: values.namespace, ...(values.cluster ? { cluster: values.cluster } : {}) }, namespace: values.namespace, kubeconfig: values.kubeconfig },
    io,
  );
}

export async function runRollback(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'rollback',
    args,
    { ...common, to: { type: 'string' }, plan: { type: 'boolean', default: false }, 'allow-cluster-resources': { type: 'boolean', default: false } },
    true,
  );
  refuseEmptyValues('rollback', values);
  const app = appOf('rollback', positionals);
  const to = values.to === undefined ? undefined : /^[1-9]\d{0,8}$/.test(values.to) ? Number(values.to) : NaN;
  if (Number.isNaN(to)) throw new UserError(`--to "${values.to}" is not a revision number (see mesh history ${app})`);
  const command = { kind: 'rollback' as const, app, namespace: values.namespace, ...(values.cluster ? { cluster: values.cluster } : {}), ...(to !== undefined ? { to } : {}), plan: values.plan };
  const options = values['allow-cluster-resources'] ? { allowClusterResources: true } : {};
  return runCliJob({ name: 'rollback', args, command, namespace: values.namespace, kubeconfig: values.kubeconfig, options }, io);
}
