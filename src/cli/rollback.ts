import type { CliIO } from './io';
import { run as runHistory } from './history';

export const run = (args: string[], io: CliIO): Promise<number> => runHistory(args, io, 'rollback');
