// Starting and stopping component processes, and the error a component that dies at start produces.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/cluster/lock';
import { freePorts, startDetached, stopProcess, waitFor } from '../../src/cluster/process';

const dir = mkdtempSync(path.join(tmpdir(), 'mesh-process-'));

describe('component processes', () => {
  it('name the component and show its last log lines when it exits during start', async () => {
    const log = path.join(dir, 'broken.log');
    const pid = startDetached('/bin/sh', ['-c', 'echo "flag provided but not defined: -bogus"; exit 3'], log, process.env);
    const started = waitFor({ name: 'kube-broken', pid, log }, 'ready (/readyz)', async () => false, 20_000);
    await expect(started).rejects.toThrow(/^kube-broken exited before ready \(\/readyz\); last lines of .*broken\.log:\nflag provided but not defined: -bogus$/);
  });

  it('stop a running component', async () => {
    const pid = startDetached('/bin/sleep', ['30'], path.join(dir, 'sleep.log'), process.env);
    expect(isAlive(pid)).toBe(true);
    await stopProcess(pid, '/bin/sleep');
    expect(isAlive(pid)).toBe(false);
  });

  it('pick distinct free loopback ports', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
  });
});
