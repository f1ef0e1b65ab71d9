// Runs a `mesh` command in-process, as bin/mesh.cjs would, and captures what it prints.
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** The whole environment the command sees (nothing is inherited from the test process). */
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin?: string | Buffer;
  /** Called with each piece of stderr as it is written, e.g. to react to a server's start-up line. */
  onStderr?: (text: string) => void;
}

export async function runCli(argv: string[], options: CliRunOptions): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => {
      stderr += text;
      options.onStderr?.(text);
    },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: options.env,
    cwd: options.cwd,
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
