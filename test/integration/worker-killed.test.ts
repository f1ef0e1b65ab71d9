// Scenario 3 of the fault suite: the worker killed in the middle of a step. Each step of a `/mesh deploy` job
// runs as the worker Lambda would, in a process of its own (the real stepJob, bundled by esbuild); the test
// kills it (SIGKILL) once while it applies a stage — some server-side applies sent, the step's state never
// returned — and once while it waits, then steps the same input state again, as Step Functions' retry does.
// The job converges: every object created once and never changed by a repeated apply (generation 1, one
// ReplicaSet per Deployment), each stage reported once in the thread, the parent message ends succeeded.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { JobState } from '../../src/jobs/state';
import { listObjects } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { blocksToText } from '../../src/slack/render/text';
import { startSlackStandin, type SlackStandin } from '../../src/slack/standin';
import { kubeconfigPath, kubeConfig, withNamespace } from './setup/cluster';

// The worker step in a process: state in (a file), state out (stdout); every request to the API server is
// written to stderr as it is sent ("<METHOD> <path>"), so the test can kill it at a chosen request.
const WORKER_STEP = `
  const https = require('node:https');
  const send = https.request;
  https.request = function (url, options, ...rest) {
    const target = typeof url === 'string' ? new URL(url) : url;
    process.stderr.write('REQUEST ' + ((options && options.method) || 'GET') + ' ' + target.pathname + target.search + '\\n');
    return send.call(this, url, options, ...rest);
  };
  const { readFileSync } = require('node:fs');
  const { KubeConfig } = require('@kubernetes/client-node');
  const { stepJob } = require('./src/jobs/step');
  const { slackApi } = require('./src/slack/webapi');
  const { slackReporter } = require('./src/slack/reporter');
  const kc = new KubeConfig();
  kc.loadFromFile(process.env.KUBECONFIG);
  stepJob(JSON.parse(readFileSync(process.argv[2], 'utf8')), {
    reporter: slackReporter(slackApi({ token: 'xoxb-test', baseUrl: process.env.SLACK_API_URL, totalTimeoutMs: 5000 })),
    kube: async () => kc, now: Date.now, stepBudgetMs: 2000,
  }).then((state) => process.stdout.write(JSON.stringify(state)));
`;

let dir: string;
let bundle: string;
let standin: SlackStandin;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mesh-worker-killed-'));
  bundle = path.join(dir, 'worker-step.cjs');
  buildSync({ stdin: { contents: WORKER_STEP, resolveDir: path.join(__dirname, '../..'), loader: 'js' }, bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
  standin = await startSlackStandin();
});
afterAll(async () => {
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

interface StepRun {
  state?: JobState;
  killed: boolean;
  requests: string[];
}

/** One worker step in a child process; `killAt` picks the request line at which the test kills it. */
function stepInChild(state: JobState | { job: JobState['job'] }, killAt?: (request: string) => boolean): Promise<StepRun> {
  const input = path.join(dir, 'input.json');
  writeFileSync(input, JSON.stringify(state));
  const child = spawn(process.execPath, [bundle, input], { env: { ...process.env, KUBECONFIG: kubeconfigPath(), SLACK_API_URL: standin.apiUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let killed = false;
  const requests: string[] = [];
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (let i = err.indexOf('\n'); i >= 0; i = err.indexOf('\n')) {
      const line = err.slice(0, i);
      err = err.slice(i + 1);
      if (!line.startsWith('REQUEST ')) continue;
      requests.push(line.slice('REQUEST '.length));
      if (!killed && killAt?.(line.slice('REQUEST '.length))) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (killed) return resolve({ killed, requests });
      if (code !== 0) return reject(new Error(`worker step exited ${code}: ${err}`));
      resolve({ killed, requests, state: JSON.parse(out) as JobState });
    });
  });
}

describe('scenario 3: the worker killed mid-step, the same state stepped again', () => {
  const ns = withNamespace('worker-killed');

  it('converges: each object created once, never changed by the repeated step; the parent ends succeeded', async () => {
    const job = {
      id: 'mesh-deploy-worker-killed', command: { kind: 'deploy' as const, app: 'guestbook', namespace: ns.name, inject: false },
      text: `deploy guestbook -n ${ns.name}`, namespace: ns.name, user: 'U0OPS', channel: 'C0OPS', requestedAt: Date.now(),
    };
    const applies: string[] = [];
    const kills: string[] = [];
    let input: JobState | { job: typeof job } = { job };
    for (let step = 0; step < 80; step += 1) {
      const phase = 'rollout' in input ? `${input.rollout?.phase}:${input.rollout?.stage}` : 'new';
      // Killed once in the middle of applying the second stage (after its first apply request went out) and
      // once while waiting for the first stage (at its first list of Deployments).
      const killAt =
        phase === 'apply:1' && !kills.includes(phase) ? (r: string) => r.startsWith('PATCH ') && !r.includes('dryRun=All')
        : phase === 'wait:0' && !kills.includes(phase) ? (r: string) => r.startsWith(`GET /apis/apps/v1/namespaces/${ns.name}/deployments`)
        : undefined;
      const run = await stepInChild(input, killAt);
      // Server-side applies; the pre-flight's dry runs change nothing.
      applies.push(...run.requests.filter((r) => r.startsWith('PATCH ') && !r.includes('dryRun=All')).map((r) => r.split('?')[0]!));
      if (run.killed) {
        kills.push(phase);
        continue; // Step Functions retries the task with the same input.
      }
      const next = run.state!;
      input = next;
      if (next.done) break;
      if (next.waitSeconds > 0) await new Promise((r) => setTimeout(r, Math.min(next.waitSeconds, 1) * 1000));
    }
    expect(kills).toEqual(['wait:0', 'apply:1']);
    expect(input).toMatchObject({ done: true, outcome: 'succeeded' });

    // In the cluster: every Deployment created once and never changed (generation 1), one ReplicaSet each.
    const kc = kubeConfig();
    const deployments = (await listObjects(kc, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns.name })).items as KubeObject[];
    expect(deployments.map((d) => d.metadata.generation)).toEqual([1, 1, 1, 1, 1, 1]);
    const replicaSets = (await listObjects(kc, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: ns.name })).items as KubeObject[];
    expect(replicaSets.map((rs) => rs.metadata.ownerReferences?.[0]?.name).sort()).toEqual(deployments.map((d) => d.metadata.name).sort());
    // At the API boundary: stages 1 and 3 applied once per object; stage 2 at most twice (the killed step and
    // its retry), which the server took as no change.
    const count = (name: string) => applies.filter((a) => a.endsWith(`/${name}`)).length;
    for (const name of ['mysql', 'redis', 'helloworld-service-v1', 'helloworld-service-v2', 'guestbook-ui']) expect(count(`deployments/${name}`)).toBe(1);
    expect(count('deployments/guestbook-service')).toBeGreaterThanOrEqual(1);
    expect(count('deployments/guestbook-service')).toBeLessThanOrEqual(2);

    // In Slack: one parent, ending succeeded; every thread line once.
    const parents = standin.messages.filter((m) => !m.threadTs);
    expect(parents).toHaveLength(1);
    expect(blocksToText(parents[0]!.blocks, parents[0]!.text)).toContain(':white_check_mark: succeeded');
    const lines = standin.messages.filter((m) => m.threadTs === parents[0]!.ts).flatMap((m) => blocksToText(m.blocks, m.text).split('\n')).filter(Boolean);
    expect(new Set(lines).size).toBe(lines.length);
    for (const stage of ['backends', 'guestbook-service', 'guestbook-ui']) expect(lines.filter((l) => l.includes(`Stage *${stage}* done`))).toHaveLength(1);
  });
});
