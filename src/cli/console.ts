// `mesh console` (`npm start`): type `/mesh …` as in Slack. With stdin not a terminal it reads one command per
// line, prints the rendered messages, waits for every job and exits non-zero if any command or job failed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CliIO } from './io';
import { parseCommandArgs, refuseEmptyValues } from './args';
import { consoleConfig } from '../config';
import { consoleRenderer } from '../console/render';
import { startConsole } from '../console/session';
import type { StandinEvent } from '../slack/standin';

const FAILED_ACK = /^:(warning|no_entry|x):/;

function parseConsoleArgs(args: string[], io: CliIO): { policyFile?: string; audit: boolean } {
  const { values } = parseCommandArgs('console', args, { policy: { type: 'string' }, audit: { type: 'boolean', default: false } });
  refuseEmptyValues('console', values);
  return { policyFile: values.policy === undefined ? undefined : path.resolve(io.cwd, values.policy), audit: values.audit };
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const options = parseConsoleArgs(args, io);
  const config = consoleConfig(io.env);
  let policy;
  if (options.policyFile) {
    const { parsePolicy } = await import('../slack/policy-file');
    policy = parsePolicy(readFileSync(options.policyFile, 'utf8'), path.relative(io.cwd, options.policyFile));
  }
  const interactive = Boolean((io.stdin as { isTTY?: boolean }).isTTY) && io.isTTY;
  const session = await startConsole({
    env: io.env,
    ...(config.stageTimeoutMs ? { stageTimeoutMs: config.stageTimeoutMs } : {}),
    ...(config.historyLimit ? { historyLimit: config.historyLimit } : {}),
    istio: config.istio,
    ...(policy ? { policy } : {}),
    progress: (line) => io.stderr(`${line}\n`),
    ...(options.audit ? { audit: (line: string) => io.stderr(`${line}\n`) } : {}),
  });
  // A live block redrawn in place on a terminal; on a pipe, an edited message prints only what changed.
  const renderer = consoleRenderer(io.stdout, { tty: io.isTTY, columns: () => process.stdout.columns || 80 });
  let failedCommands = 0;
  let busy = false;

  const handle = async (line: string) => {
    if (line.trim() === '') return;
    // The typed line sits below the live block now: the block stays as it is, and a new one starts below.
    if (interactive) renderer.freeze();
    else renderer.print(`> ${line}\n`);
    // `wait`: until every job so far has finished (scripts that click a button a job posts).
    if (line.trim() === 'wait') return session.runner.idle();
    // `as <user> …`: the same as another Slack user (e.g. a second person approving a plan).
    const as = /^as\s+([A-Z0-9]{2,32})\s+(.*)$/.exec(line.trim());
    const ack = await session.send(as ? as[2]! : line, as ? { user: as[1]! } : {});
    if (ack.text) renderer.print(`${ack.text.split('\n').map((l) => `(only you) ${l}`).join('\n')}\n`);
    if (ack.status !== 200 || FAILED_ACK.test(ack.text)) failedCommands += 1;
  };

  const lines = createInterface({ input: io.stdin, terminal: interactive, ...(interactive ? { output: process.stdout, prompt: 'mesh> ' } : {}) });
  session.standin.events.on('event', (event: StandinEvent) => {
    // Live messages arrive while the prompt waits: start a fresh line, print, show the prompt again.
    if (interactive && !busy) io.stdout('\r\x1b[K');
    renderer.render(event);
    if (interactive && !busy) lines.prompt(true);
  });
  if (interactive) {
    io.stdout('mesh console — type /mesh help, click <button>, as <user> … (another Slack user), wait, or exit. Messages appear as Slack would show them.\n');
    lines.prompt();
  }
  for await (const line of lines) {
    if (interactive && ['exit', 'quit'].includes(line.trim())) break;
    busy = true;
    await handle(line);
    busy = false;
    if (interactive) lines.prompt();
  }
  lines.close();
  await session.runner.idle();
  await session.close();
  const failedJobs = [...session.runner.states.values()].filter((s) => s.outcome === 'failed').length;
  if (failedJobs + failedCommands > 0) {
    io.stderr(`mesh console: ${failedCommands} command(s) rejected, ${failedJobs} job(s) failed\n`);
    return 1;
  }
  return 0;
}
