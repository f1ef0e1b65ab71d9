// The `mesh` CLI, a door: one file per command (registered in commands.ts) that parses arguments, calls the
// core and renders its results as text (rollout-text.ts, plan-text.ts). It may import any module of src/;
// nothing in src/ imports it.
import { commands } from './commands';
import { processIO, type CliIO } from './io';
import { isUserError } from '../errors';

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'mesh: ChatOps deployer for Istio service meshes',
    '',
    'Usage: mesh <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `mesh <command> --help` for the options of one command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(helpText());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`mesh: unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')}\n`);
    return 1;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    const { run } = await command.load();
    return await run(args, io);
  } catch (error) {
    if (isUserError(error)) {
      io.stderr(`mesh ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Entry point of bin/mesh.cjs: runs with the real process and sets its exit code. */
export function runCli(): void {
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`mesh: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
