import type { CliIO } from './io';
import { UserError } from '../errors';
import { parseCommandArgs, refuseEmptyValues } from './args';
import { commandKubeConfig } from './kubeconfig';
import { disable, enable, restart, status } from '../autoinject';
import { renderAutoinjectText, renderRestartText } from '../autoinject/render';

const ACTIONS = ['enable', 'disable', 'status', 'restart'] as const;

export async function run(args: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(
    'autoinject',
    args,
    { revision: { type: 'string' }, kubeconfig: { type: 'string' }, restart: { type: 'boolean' }, output: { type: 'string', short: 'o' } },
    true,
  );
  refuseEmptyValues('autoinject', parsed.values);
  const [action, namespace, ...extra] = parsed.positionals;
  if (!(ACTIONS as readonly string[]).includes(action ?? '')) {
    throw new UserError(`expected one of ${ACTIONS.join(', ')} as the first argument, got ${JSON.stringify(action ?? '')}`);
  }
  if (!namespace || extra.length > 0) throw new UserError(`expected exactly one namespace after "${action}"`);
  const { output, revision, kubeconfig } = parsed.values;
  if (output !== undefined && output !== 'json' && output !== 'text') throw new UserError(`--output must be json or text, not ${output}`);
  const kc = await commandKubeConfig(kubeconfig, io);
  const print = (value: unknown, text: string) => io.stdout(output === 'json' ? `${JSON.stringify(value, null, 2)}\n` : text);

  if (action === 'restart') {
    const report = await restart(kc, namespace);
    print(report, renderRestartText(report));
    return report.failed.length > 0 ? 1 : 0;
  }
  const report = await (action === 'enable' ? enable : action === 'disable' ? disable : status)(kc, namespace, { revision });
  print(report, renderAutoinjectText(report));
  if (report.ok && parsed.values.restart && report.restartable.length > 0) {
    const restarted = await restart(kc, namespace, report.restartable);
    io.stdout(renderRestartText(restarted));
    if (restarted.failed.length > 0) return 1;
  }
  return report.ok ? 0 : 1;
}
