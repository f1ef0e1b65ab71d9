// The `mesh` CLI, a door: one file per command (registered in commands.ts) that parses its flags (args.ts) and
// calls the core; the commands chat has too (deploy, rollback, history, shift, status, apps) run chat's job
// (run-job.ts), reported as text (text-reporter.ts, rollout-text.ts, plan-text.ts). `kube-inject` has a bundle of its own
// (kube-inject-main.ts), which loads no Kubernetes client until a kubeconfig is used.
import { commands } from './commands';
import { processIO, type CliIO } from './io';
import { exitWith, runCommand } from './run-command';

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
  return runCommand(command, args, io);
}

/** Entry point of bin/mesh.cjs: runs with the real process and sets its exit code. */
export function runCli(): void {
  exitWith(main(process.argv.slice(2), processIO()));
}
