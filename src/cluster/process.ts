import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { httpsRequest, type TlsIdentity } from './http';
import { isAlive } from './lock';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The kernel's ephemeral port range (Linux `ip_local_port_range`): where it picks the local port of every outgoing
 * connection, and what `listen(0)` hands out.
 */
export function ephemeralPortRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  try {
    const [low, high] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux, or not readable: Linux's default
  }
  return [32768, 60999];
}

/** Where component ports are picked when the ephemeral range leaves room below it. */
const LOWEST_COMPONENT_PORT = 10000;

/**
 * Free loopback ports for a cluster's components, all held open together so they are distinct. They are picked
 * below the kernel's ephemeral range: a component restarted on its own port (a heal after etcd or the API server
 * went away) must find that port free, and a port inside the range can meanwhile become the local port of any
 * outgoing connection on the machine (a restarted kube-controller-manager once failed with "address already in
 * use" that way). When the range leaves no room below it, the kernel picks (port 0).
 */
export async function freePorts(count: number): Promise<number[]> {
  const [ephemeralLow] = ephemeralPortRange();
  const room = ephemeralLow - LOWEST_COMPONENT_PORT;
  const servers: net.Server[] = [];
  try {
    for (let attempts = 0; servers.length < count; attempts++) {
      if (attempts > count * 60) throw new Error(`no ${count} free loopback ports (${servers.length} found)`);
      const port = room > count * 100 && attempts < count * 50 ? LOWEST_COMPONENT_PORT + Math.floor(Math.random() * room) : 0;
      const server = await listenOn(port).catch(() => undefined);
      if (server) servers.push(server);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export function logFile(logDir: string, component: string): string {
  return path.join(logDir, `${component}.log`);
}

/** Starts a long-running component detached from us, its output in its own log file. Returns its pid. */
export function startDetached(binary: string, args: string[], log: string, env: NodeJS.ProcessEnv, cwd?: string, appendLog = false): number {
  const fd = openSync(log, appendLog ? 'a' : 'w');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function lastLines(file: string, count = 25): string {
  if (!existsSync(file)) return '(no log file)';
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}

/** The pid still runs the binary we started (not a recycled pid). */
export function runsBinary(pid: number, binary: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return path.basename(argv0) === path.basename(binary);
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, binary: string, graceMs = 10_000): Promise<void> {
  if (!runsBinary(pid, binary)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    while (isAlive(pid)) await sleep(50);
  }
}

export async function probe(url: string, tls: TlsIdentity): Promise<boolean> {
  try {
    if (url.startsWith('https:')) return (await httpsRequest(url, tls, 'GET', undefined, 2000)).status === 200;
    return await new Promise<boolean>((resolve) => {
      const req = http.get(url, { timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  } catch {
    return false;
  }
}

export class ComponentFailure extends Error {
  constructor(component: string, problem: string, log: string) {
    super(`${component} ${problem}; last lines of ${log}:\n${lastLines(log)}`);
    this.name = 'ComponentFailure';
  }
}

/** Polls `check` until true; fails naming the component (with its log) if it exits or the time runs out. */
export async function waitFor(
  component: { name: string; pid?: number; log: string },
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (component.pid !== undefined && !isAlive(component.pid)) {
      throw new ComponentFailure(component.name, `exited before ${what}`, component.log);
    }
    if (Date.now() > deadline) throw new ComponentFailure(component.name, `not ${what} after ${timeoutMs / 1000}s`, component.log);
    await sleep(200);
  }
}

/** Runs a short command to completion (output collected, killed after `timeoutMs`). */
export function runToCompletion(
  binary: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
