import type { CliIO } from './io';
import { UserError } from '../errors';

// Placeholder until the injection engine lands (issue 2).
export async function run(_args: string[], _io: CliIO): Promise<number> {
  throw new UserError('kube-inject is not implemented yet');
}
