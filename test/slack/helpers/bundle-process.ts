// Runs the BUILT Lambda bundle (dist/handlers/slack.js) in its own Node process, as Lambda would, and invokes
// its handler with events; `blockNetwork` makes any outbound connection throw.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const BUNDLE = path.resolve(__dirname, '../../../dist/handlers/slack.js');

const DRIVER = `
const net = require('node:net');
if (process.env.BLOCK_NETWORK === '1') {
  globalThis.fetch = async () => { throw new Error('network access attempted'); };
  net.Socket.prototype.connect = function () { throw new Error('network access attempted'); };
}
const { handler } = require(process.env.BUNDLE);
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const { id, event } = JSON.parse(line);
  const start = performance.now();
  try {
    const result = await handler(event, {});
    process.stdout.write(JSON.stringify({ id, result, ms: performance.now() - start }) + '\\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ id, error: String(error && error.stack || error), ms: performance.now() - start }) + '\\n');
  }
});
`;

export interface InvokeResult {
  result: { statusCode: number; body: string; headers?: Record<string, string> };
  ms: number;
}

export interface BundleProcess {
  pid: number;
  invoke(event: unknown): Promise<InvokeResult>;
  /** Everything the process wrote to stdout that was not a driver answer (the audit lines). */
  logs: string[];
  stderr: string[];
  close(): Promise<void>;
}

/** `options.bundle`: another path of the same bundle (the benchmark loads this helper from elsewhere). */
export function startBundle(env: Record<string, string>, options: { blockNetwork?: boolean; bundle?: string } = {}): BundleProcess {
  const child: ChildProcess = spawn(process.execPath, ['-e', DRIVER], {
    env: { PATH: process.env.PATH ?? '', BUNDLE: options.bundle ?? BUNDLE, BLOCK_NETWORK: options.blockNetwork ? '1' : '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pending = new Map<number, (r: InvokeResult & { error?: string }) => void>();
  const logs: string[] = [];
  const stderr: string[] = [];
  let next = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = (() => {
      try {
        return JSON.parse(line) as { id?: number } & InvokeResult & { error?: string };
      } catch {
        return undefined;
      }
    })();
    if (parsed && typeof parsed.id === 'number' && pending.has(parsed.id)) {
      pending.get(parsed.id)!(parsed);
      pending.delete(parsed.id);
    } else {
      logs.push(line);
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  return {
    pid: child.pid ?? 0,
    logs,
    stderr,
    invoke: (event) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, (r) => (r.error ? reject(new Error(r.error)) : resolve(r)));
        child.stdin!.write(`${JSON.stringify({ id, event })}\n`);
      }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
        child.kill();
      }),
  };
}
