// `mesh console` with stdin not a terminal: one command per line, rendered messages, exit code.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli';

// Spawns processes and servers on a shared, busy machine: generous time, no timing assertions beyond the 3 s ack.
jest.setTimeout(60_000);

async function runConsole(lines: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const isolated = { ...env, MESH_CLUSTER_NAME: 'must-not-start' };
  const { code, stdout, stderr } = await runCli(['console'], { env: isolated, cwd: process.cwd(), stdin: lines.join('\n') + '\n' });
  return { code, out: stdout, err: stderr };
}

describe('mesh console (stdin not a TTY)', () => {
  it('answers help and previews an injection without any cluster', async () => {
    const { code, out, err } = await runConsole(['/mesh help', '/mesh inject guestbook']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('> /mesh help\n(only you) *mesh* — Istio sidecar injection');
    expect(out).toMatch(/> \/mesh inject guestbook\n\(only you\) :hourglass_flowing_sand: Working on `inject guestbook`/);
    expect(out).toMatch(/┌ #1 mesh\n│ :syringe: Injected \*guestbook\* for `default`: 6 of 6 workload\(s\)/);
    expect(out).toContain('│ [Apply]');
    expect(out).toMatch(/ {2}↳ #1 thread │ file guestbook.injected.yaml \(\d+ lines/);
    expect(out).not.toContain('starting the local cluster');
  });

  it('resolves a component: /mesh inject helloworld shows both versions and their Service, /mesh apps lists the apps', async () => {
    const { code, out } = await runConsole(['/mesh inject helloworld', '/mesh apps']);
    expect(code).toBe(0);
    expect(out).toMatch(/┌ #1 mesh\n│ :syringe: Injected \*helloworld\* for `default`: 2 of 2 workload\(s\)/);
    expect(out).toContain('│ • Deployment/helloworld-service-v1: + istio-init, istio-proxy\n│ • Deployment/helloworld-service-v2: + istio-init, istio-proxy');
    expect(out).toContain('guestbook: helloworld-service.yaml, helloworld-v1.yaml, helloworld-v2.yaml');
    expect(out).toMatch(/file helloworld.injected.yaml \(\d+ lines/);
    expect(out).toContain('(only you) • *guestbook* — built-in');
  });

  it('previews with the COMPLIANCE_POLICY of its environment: every proxy of the preview gets it', async () => {
    const lines = (out: string) => Number(/file guestbook\.injected\.yaml \((\d+) lines/.exec(out)?.[1]);
    const plain = await runConsole(['/mesh inject guestbook']);
    const fips = await runConsole(['/mesh inject guestbook'], { COMPLIANCE_POLICY: 'fips-140-2' });
    // Six workloads, each proxy with one more variable (name and value lines).
    expect(lines(fips.out) - lines(plain.out)).toBe(6 * 2);
  });

  it('uses the cluster KUBECONFIG names, and says so; ~/.kube/config alone never becomes its cluster', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'mesh-console-home-'));
    mkdirSync(path.join(home, '.kube'));
    const config = path.join(home, '.kube', 'config');
    writeFileSync(config, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: office, context: {cluster: c, user: u}}]\ncurrent-context: office\n');
    const named = await runConsole(['/mesh status guestbook'], { HOME: home, KUBECONFIG: config });
    expect(named.err).toContain(`using the cluster of KUBECONFIG ${config} (context office)`);
    expect(named.err).not.toContain('starting the local cluster');
    // A preview only peeks at a cluster: with ~/.kube/config alone it does not reach for the office context.
    const unnamed = await runConsole(['/mesh inject guestbook'], { HOME: home, KUBECONFIG: '' });
    expect(unnamed.err).not.toContain('~/.kube/config');
    expect(unnamed.out).toContain('no cluster to ask (none is running)');
    expect(unnamed.out).not.toContain('127.0.0.1:1');
  });

  it('refuses a malformed setting before starting, naming the variable', async () => {
    const { code, err } = await runConsole(['/mesh help'], { MESH_STAGE_TIMEOUT_MS: '10m' });
    expect(code).not.toBe(0);
    expect(err).toContain('MESH_STAGE_TIMEOUT_MS "10m" is not a number of milliseconds');
  });

  it('exits non-zero when a command is rejected or a job fails', async () => {
    const rejected = await runConsole(['/mesh deploy Guestbook']);
    expect(rejected.code).toBe(1);
    expect(rejected.out).toContain('(only you) :warning: app "Guestbook" must be lowercase');
    expect(rejected.err).toMatch(/1 command\(s\) rejected, 0 job\(s\) failed/);
    const failed = await runConsole(['/mesh inject nosuchapp']);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('(only you) :x: no app or component named "nosuchapp"');
    expect(failed.err).toMatch(/0 command\(s\) rejected, 1 job\(s\) failed/);
  });

  it('applies a policy file: mutating commands are then denied to the console user', async () => {
    const denied = await runCli(['console', '--policy', 'infra/policy.example.yaml'], {
      env: {}, cwd: process.cwd(), stdin: '/mesh autoinject enable shop\n',
    });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('Denied: you need the "autoinject" permission on namespace "shop"');
  });
});
