import type { CliIO } from './io';
import { isUserError } from '../errors';

/** One CLI sub-command. `load` is lazy so `mesh --help` starts without loading the engines. */
export interface CliCommand {
  name: string;
  usage: string;
  summary: string;
  load: () => Promise<{ run: (args: string[], io: CliIO) => Promise<number> }>;
}

/** Runs one command: its usage on --help, a UserError as one line and exit code 1. */
export async function runCommand(command: CliCommand, args: string[], io: CliIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    const { run } = await command.load();
    return await run(args, io);
  } catch (error) {
    if (isUserError(error)) {
      io.stderr(`mesh ${command.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Sets the process's exit code from a run; anything unexpected is printed with its stack and exits 2. */
export function exitWith(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`mesh: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
