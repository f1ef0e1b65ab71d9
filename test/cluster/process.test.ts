// Starting and stopping component processes, and the error a component that dies at start produces.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/cluster/lock';
import { ephemeralPortRange, freePorts, startDetached, stopProcess, waitFor } from '../../src/cluster/process';

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

  it('pick distinct free loopback ports below the kernel\'s ephemeral range, so no outgoing connection takes one while its component is down', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    const [low] = ephemeralPortRange();
    for (const port of ports) expect(port).toBeLessThan(low);
  });

  it('read the ephemeral range as Linux writes it, and fall back to its default', () => {
    const file = path.join(dir, 'ip_local_port_range');
    writeFileSync(file, '40000\t50000\n');
    expect(ephemeralPortRange(file)).toEqual([40000, 50000]);
    expect(ephemeralPortRange(path.join(dir, 'missing'))).toEqual([32768, 60999]);
  });
});
