// `mesh apps`: chat's apps job — the registry's apps with their source and limits, the named clusters, and what
// is deployed where (the registry's clusters, else the user's own cluster when one is there).
import { parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';
import { runCliJob } from './run-job';

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('apps', args, { kubeconfig: { type: 'string' } });
  refuseEmptyValues('apps', values);
  return runCliJob({ name: 'apps', args, command: { kind: 'apps' }, ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}) }, io);
}
