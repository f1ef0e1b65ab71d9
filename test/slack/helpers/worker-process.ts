// Runs the BUILT worker Lambda (dist/handlers/worker.js) for one event in its own Node process, as Lambda would.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { JobState } from '../../../src/jobs/state';

export const WORKER = path.resolve(__dirname, '../../../dist/handlers/worker.js');

export interface WorkerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The state the handler returned, when it returned one. */
  state?: JobState;
}

export function runWorker(event: unknown, env: Record<string, string>): Promise<WorkerRun> {
  const script = `require(${JSON.stringify(WORKER)}).handler(JSON.parse(process.argv[1])).then((s) => process.stderr.write('STATE' + JSON.stringify(s)))`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify(event)], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const at = stderr.indexOf('STATE');
      const state = code === 0 && at >= 0 ? (JSON.parse(stderr.slice(at + 5)) as JobState) : undefined;
      resolve({ code, stdout, stderr: at >= 0 ? stderr.slice(0, at) : stderr, ...(state ? { state } : {}) });
    });
  });
}

/** The state the worker returned for `event`; rejects with its output when it failed. */
export async function invokeWorker(event: unknown, env: Record<string, string>): Promise<JobState> {
  const run = await runWorker(event, env);
  if (!run.state) throw new Error(`worker exited ${run.code}: ${run.stderr}`);
  return run.state;
}
