// `mesh shift <app>[.<service>] <subset>=<percent>… [-n <namespace>] [--plan]`: the Service's routes before and
// after, then (unless --plan) mesh's DestinationRule and VirtualService written and the shift recorded in the
// app's history, where `mesh rollback` finds it.
import os from 'node:os';
import { UserError } from '../errors';
import { appsFromEnv } from '../apps';
import { clusterKubeConfig } from '../apps/clusters';
import { parseWeights, validateReference } from '../command/grammar';
import { describeRoutes } from '../traffic/plan';
import { executeShift, prepareShift, type PreparedShift, type ShiftTarget, type ShiftWanted } from '../traffic/shift';
import { parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';
import { commandKubeConfig } from './kubeconfig';
import type { KubeConfig } from '@kubernetes/client-node';

const USAGE = 'usage: mesh shift <app>[.<service>] <subset>=<percent>… [-n <namespace>]';

export function planLines(prepared: PreparedShift): string {
  const { plan } = prepared;
  return [
    `traffic of ${plan.service} in ${plan.namespace} (plan ${prepared.hash.slice(0, 12)})`,
    `  before: ${describeRoutes(plan.before)}`,
    `  after:  ${describeRoutes(plan.after)}`,
  ].join('\n');
}

/** Prints the plan, and makes the shift unless only the plan was asked for. Shared with `mesh rollback`. */
export async function shiftFromCli(kc: KubeConfig, target: ShiftTarget, wanted: ShiftWanted, options: { plan: boolean; io: CliIO; rollbackTo?: number }): Promise<number> {
  const prepared = await prepareShift(kc, target, wanted);
  options.io.stdout(`${planLines(prepared)}\n`);
  if (options.plan) {
    options.io.stdout('nothing was changed\n');
    return 0;
  }
  const by = `${os.userInfo().username}@${os.hostname()} (mesh CLI, pid ${process.pid})`;
  const id = `mesh-shift-cli-${prepared.hash.slice(0, 12)}-${Date.now()}`;
  const revision = await executeShift(kc, prepared, { id, by, at: new Date().toISOString(), ...(options.rollbackTo !== undefined ? { rollbackTo: options.rollbackTo } : {}) });
  options.io.stdout(`shifted: revision ${revision} of ${target.app} (undo with mesh rollback ${target.app}${target.namespace === 'default' ? '' : ` -n ${target.namespace}`})\n`);
  return 0;
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'shift',
    args,
    { namespace: { type: 'string', short: 'n', default: 'default' }, kubeconfig: { type: 'string' }, cluster: { type: 'string' }, plan: { type: 'boolean', default: false } },
    true,
  );
  refuseEmptyValues('shift', values);
  const [reference, ...weightWords] = positionals;
  if (reference === undefined || reference.includes('=')) throw new UserError(`which app? ${USAGE}`);
  // The grammar's checks, so `mesh shift` and `/mesh shift` accept the same words (its errors are not UserErrors).
  let ref: string;
  try {
    ref = validateReference(reference);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  if (weightWords.length === 0) throw new UserError(`which weights? e.g. v2=20; ${USAGE}`);
  const weights = parseWeights(weightWords);
  if (!weights.ok) throw new UserError(weights.error);
  const [app, service] = ref.split('.') as [string, string | undefined];
  const apps = appsFromEnv(io.env);
  const cluster = values.cluster ?? apps.registry.defaultCluster;
  const kc = await clusterKubeConfig(apps.registry, values.cluster, io.env, () => commandKubeConfig(values.kubeconfig, io));
  const target: ShiftTarget = { app, service: service ?? app, namespace: values.namespace, ...(cluster ? { cluster } : {}) };
  return shiftFromCli(kc, target, { weights: weights.weights }, { plan: values.plan, io });
}
