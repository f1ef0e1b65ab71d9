// `mesh shift <app>[.<service>] <subset>=<percent>… [-n <namespace>] [--plan]`: chat's shift job — the Service's
// routes before and after, then (unless --plan) mesh's DestinationRule and VirtualService written and the shift
// recorded in the app's history, where `mesh rollback` finds it.
import { UserError } from '../errors';
import { parseWeights, validateReference } from '../command/grammar';
import { parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';
import { runCliJob } from './run-job';

const USAGE = 'usage: mesh shift <app>[.<service>] <subset>=<percent>… [-n <namespace>]';

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
  let app: string;
  try {
    app = validateReference(reference);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  if (weightWords.length === 0) throw new UserError(`which weights? e.g. v2=20; ${USAGE}`);
  const weights = parseWeights(weightWords);
  if (!weights.ok) throw new UserError(weights.error);
  const command = { kind: 'shift' as const, app, weights: weights.weights, namespace: values.namespace, ...(values.cluster ? { cluster: values.cluster } : {}), plan: values.plan };
  return runCliJob({ name: 'shift', args, command, namespace: values.namespace, kubeconfig: values.kubeconfig }, io);
}
