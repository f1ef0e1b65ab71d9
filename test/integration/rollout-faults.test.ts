// A rollout while the real API server goes away: stopped for a while and brought back (the rollout resumes
// and finishes, says it was unreachable and for how long, applies nothing twice), and gone for good (the
// rollout stops within its limit with one line naming the server, the stage and what was applied).
// Runs its own cluster (no Istio) so that killing kube-apiserver disturbs no other suite.
import { KubeConfig } from '@kubernetes/client-node';
import { clusterDown, clusterStatus, clusterUp } from '../../src/cluster/cluster';
import { clusterDir } from '../../src/cluster/state';
import { rmSync } from 'node:fs';
import { runsBinary } from '../../src/cluster/process';
import { listObjects } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { eventLines } from '../../src/cli/rollout-text';
import { runRollout, startRollout, type RolloutEvent } from '../../src/rollout';
import { localRunner } from '../../src/jobs/local-runner';
import { blocksToText } from '../../src/slack/render/text';
import { startSlackStandin, type StandinEvent } from '../../src/slack/standin';
import { slackReporter } from '../../src/slack/reporter';
import { slackApi } from '../../src/slack/webapi';
import { flushProgress, newNotifier, recordProgress } from '../../src/slack/notifier';
import { toProgress } from '../../src/jobs/rollout-progress';
import { guestbookAsWaves } from '../support/guestbook-waves';
import { createTestNamespace, READY_DELAY_ANNOTATION, waitUntil } from './setup/cluster';

const env = { ...process.env, MESH_CLUSTER_NAME: `faults-${process.pid}` };
let kc: KubeConfig;

beforeAll(async () => {
  const { state } = await clusterUp({ env, istio: false });
  kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
});

afterAll(async () => {
  await clusterDown(env);
  // A cluster of its own per run: its data (etcd, logs, PKI) goes with it.
  rmSync(clusterDir(env.MESH_CLUSTER_NAME, env), { recursive: true, force: true });
});

/** The guestbook as sync waves, its first stage's pods slow to become ready (so the API server can go mid-wait). */
function slowGuestbook(delay: string) {
  return guestbookAsWaves((deployment, wave) => {
    if (wave !== 0) return;
    const meta = (deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata;
    meta.annotations = { ...meta.annotations, [READY_DELAY_ANNOTATION]: delay };
  });
}

/** Kills one component of this suite's own cluster (never another suite's). */
async function kill(name: 'kube-apiserver' | 'etcd' | 'kube-controller-manager'): Promise<void> {
  const component = (await clusterStatus(env)).state!.components.find((c) => c.name === name)!;
  process.kill(component.pid, 'SIGKILL');
  while (runsBinary(component.pid, component.binary)) await new Promise((r) => setTimeout(r, 50));
}
const stopApiServer = () => kill('kube-apiserver');

describe('rollout with the API server going away', () => {
  it('resumes after a 10 s outage mid-stage, finishes, reports the outage and its length, and applies nothing twice', async () => {
    const namespace = `faults-resume-${Date.now().toString(36)}`;
    const events: RolloutEvent[] = [];
    const state = startRollout({ app: 'guestbook-slow', files: slowGuestbook('6s'), namespace, holder: 'jest', command: 'test' });
    let outage: Promise<void> | undefined;
    const final = await runRollout(state, {
      kc,
      stepBudgetMs: 5000,
      emit: (e) => {
        events.push(e);
        // The first stage is applied and waiting for its slow pods: take the API server away for 10 s, then heal.
        if (e.type === 'object-applied' && !outage && events.filter((x) => x.type === 'object-applied').length === 1) {
          outage = (async () => {
            await new Promise((r) => setTimeout(r, 500));
            await stopApiServer();
            await new Promise((r) => setTimeout(r, 10_000));
            await clusterUp({ env, istio: false });
          })();
        }
      },
    });
    await outage;
    expect(final.phase).toBe('finished');
    const down = events.find((e) => e.type === 'api-unreachable');
    const up = events.find((e) => e.type === 'api-recovered');
    expect(down).toMatchObject({ server: kc.getCurrentCluster()!.server });
    expect(up).toMatchObject({ server: kc.getCurrentCluster()!.server });
    expect((up as { downMs: number }).downMs).toBeGreaterThanOrEqual(5000);
    expect(eventLines(up!)[0]).toMatch(/answers again after \d+\.\ds unreachable; resuming/);
    // Each Deployment has exactly one ReplicaSet: nothing was re-created or changed by the repeated steps.
    const replicaSets = (await listObjects(kc, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace })).items as KubeObject[];
    const owners = replicaSets.map((rs) => rs.metadata.ownerReferences?.[0]?.name);
    expect(new Set(owners).size).toBe(owners.length);
  });

  it('stops within its limit when the API server is gone for good, naming the server, the stage and what was applied', async () => {
    const namespace = `faults-gone-${Date.now().toString(36)}`;
    const events: RolloutEvent[] = [];
    const state = startRollout({ app: 'guestbook-slow', files: slowGuestbook('30s'), namespace, holder: 'jest', command: 'test' });
    let killed: Promise<void> | undefined;
    const begin = Date.now();
    let stoppedAt = 0;
    const final = await runRollout(state, {
      kc,
      stepBudgetMs: 3000,
      unreachableLimitMs: 15_000,
      emit: (e) => {
        events.push(e);
        if (e.type === 'stage-started' && !killed) killed = (async () => {
          await new Promise((r) => setTimeout(r, 1500));
          await stopApiServer();
          stoppedAt = Date.now();
        })();
      },
    });
    await killed;
    expect(final.phase).toBe('failed');
    const failed = events.at(-1)!;
    expect(failed).toMatchObject({ type: 'failed', reason: 'unreachable' });
    const lines = eventLines(failed);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`the API server ${kc.getCurrentCluster()!.server} has been unreachable`);
    expect(lines[0]).toMatch(/stopped in stage "wave 0" \(1\/3\); applied so far: wave 0: [a-z]+\/[a-z]/);
    // Bounded: the limit plus at most one step budget and one backoff.
    expect(Date.now() - stoppedAt).toBeLessThan(15_000 + 3000 + 8000 + 5000);
    expect(Date.now() - begin).toBeGreaterThan(15_000);
    await clusterUp({ env, istio: false });
    await waitUntil('the healed API server', async () => (await listObjects(kc, { apiVersion: 'v1', kind: 'Namespace' })).items.length > 0);
  });
});

describe('scenario 2: etcd restarted mid-rollout, data kept', () => {
  // After the API server scenarios above stopped and healed the API server, the controller-manager once took over a
  // minute (a loaded CI run) to make a new namespace's default ServiceAccount; a fresh one (healed by `up`) syncs
  // every namespace at start, so this scenario starts from a settled control plane and tests the rollout only.
  beforeAll(async () => {
    await kill('kube-controller-manager');
    await clusterUp({ env, istio: false });
  });

  it('the Slack job pauses, resumes and finishes, nothing duplicated; the parent ends succeeded', async () => {
    // Ready for pods before the fault (its default ServiceAccount made), so what is tested is the rollout.
    const namespace = await createTestNamespace('faults-etcd', kc);
    const standin = await startSlackStandin();
    const runner = localRunner(
      { reporter: slackReporter(slackApi({ token: 'xoxb-test', baseUrl: standin.apiUrl, totalTimeoutMs: 5000 })), kube: async () => kc, now: Date.now, stepBudgetMs: 3000 },
      { maxWaitMs: 1000 },
    );
    let outage: Promise<void> | undefined;
    // Once the thread shows the first stage applied: etcd goes away for 8 s, then `mesh cluster up` heals it.
    standin.events.on('event', (e: StandinEvent) => {
      if (outage || e.type !== 'post' || !e.message.threadTs || !/applied/.test(e.message.text + JSON.stringify(e.message.blocks))) return;
      outage = (async () => {
        await kill('etcd');
        await new Promise((r) => setTimeout(r, 8000));
        await clusterUp({ env, istio: false });
      })();
    });
    try {
      await runner.start({
        id: 'mesh-deploy-etcd-restart', command: { kind: 'deploy', app: 'guestbook', namespace, inject: false },
        text: `deploy guestbook -n ${namespace}`, namespace, user: 'U0OPS', channel: 'C0OPS', requestedAt: Date.now(),
      });
      await runner.idle();
      await outage;
      expect(outage).toBeDefined();
      const parent = standin.messages.find((m) => !m.threadTs)!;
      const job = [...runner.states.values()][0]!;
      // (On failure, show what the channel saw.)
      expect(job.outcome === 'succeeded' ? job.outcome : `${job.outcome}: ${standin.messages.map((m) => blocksToText(m.blocks, m.text)).join('\n')}`).toBe('succeeded');

      expect(standin.messages.filter((m) => !m.threadTs)).toHaveLength(1);
      expect(blocksToText(parent.blocks, parent.text)).toContain(':white_check_mark: succeeded');
      const thread = standin.messages.filter((m) => m.threadTs === parent.ts).map((m) => blocksToText(m.blocks, m.text)).join('\n');
      // With etcd gone the API server holds requests (up to its 60 s request timeout) instead of refusing them;
      // back within 8 s, every held request completes, so the rollout only paused. A note appears only if a
      // request failed meanwhile, and then with how long it lasted.
      const rollout = [...runner.states.values()][0]!.rollout!;
      expect(Date.parse(rollout.finishedAt!) - Date.parse(rollout.startedAt)).toBeGreaterThanOrEqual(8000);
      const server = kc.getCurrentCluster()!.server.replace(/[.]/g, '\\.');
      const down = new RegExp(`API server ${server} unreachable \\(`).test(thread);
      const back = new RegExp(`API server ${server} answers again after \\d+ s unreachable; resuming`).test(thread);
      expect(back).toBe(down);
      const lines = thread.split('\n').filter((l) => / applied \(/.test(l));
      expect(new Set(lines).size).toBe(lines.length);

      // Every Deployment once, at generation 1 (never changed by a repeated step), with one ReplicaSet each.
      const deployments = (await listObjects(kc, { apiVersion: 'apps/v1', kind: 'Deployment', namespace })).items as KubeObject[];
      expect(deployments).toHaveLength(6);
      expect(deployments.every((d) => d.metadata.generation === 1)).toBe(true);
      const replicaSets = (await listObjects(kc, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace })).items as KubeObject[];
      expect(replicaSets.map((rs) => rs.metadata.ownerReferences?.[0]?.name).sort()).toEqual(deployments.map((d) => d.metadata.name).sort());
    } finally {
      await standin.close();
    }
  });
});

describe('scenario 2: etcd away for 40 s while a stage is being applied', () => {
  it('waits out the API server\'s 504s, resumes and finishes; the Slack thread says how long it was unavailable', async () => {
    const namespace = await createTestNamespace('faults-etcd-long', kc);
    const etcd = (await clusterStatus(env)).state!.components.find((c) => c.name === 'etcd')!;
    const events: RolloutEvent[] = [];
    let outage: Promise<void> | undefined;
    const state = startRollout({ app: 'guestbook-etcd', files: guestbookAsWaves(), namespace, holder: 'jest', command: 'test' });
    const final = await runRollout(state, {
      kc,
      stepBudgetMs: 3000,
      emit: (e) => {
        events.push(e);
        // Right before the second stage's applies go out: etcd dies (synchronously), back after 40 s — longer
        // than the API server holds a write (~34 s) before answering 504.
        if (e.type === 'stage-started' && e.index === 1 && !outage) {
          process.kill(etcd.pid, 'SIGKILL');
          outage = (async () => {
            await new Promise((r) => setTimeout(r, 40_000));
            await clusterUp({ env, istio: false });
          })();
        }
      },
    });
    await outage;
    expect(final.phase).toBe('finished');
    const up = events.find((e) => e.type === 'api-recovered') as Extract<RolloutEvent, { type: 'api-recovered' }>;
    expect(events.find((e) => e.type === 'api-unreachable')).toMatchObject({ server: kc.getCurrentCluster()!.server, stage: 'wave 1' });
    expect(up.downMs).toBeGreaterThan(0);

    // The same events as the worker posts them, through the Slack stand-in: the thread carries both notes.
    const standin = await startSlackStandin();
    try {
      const api = slackApi({ token: 'xoxb-test', baseUrl: standin.apiUrl });
      const notifier = recordProgress(newNotifier('C0OPS', 'guestbook-etcd', namespace, 'U0OPS', Date.now()), events.map(toProgress));
      expect((await flushProgress(notifier, api, Date.now)).lastError).toBeUndefined();
      const thread = standin.messages.filter((m) => m.threadTs).map((m) => blocksToText(m.blocks, m.text)).join('\n');
      expect(thread).toMatch(/API server https:\/\/127\.0\.0\.1:\d+ unreachable \(.+\); retrying/);
      expect(thread).toContain(`API server ${kc.getCurrentCluster()!.server} answers again after ${(up.downMs / 1000).toFixed(0)} s unreachable; resuming`);
      expect(blocksToText(standin.messages[0]!.blocks, standin.messages[0]!.text)).toContain(':white_check_mark: succeeded');
    } finally {
      await standin.close();
    }
    const deployments = (await listObjects(kc, { apiVersion: 'apps/v1', kind: 'Deployment', namespace })).items as KubeObject[];
    expect(deployments.map((d) => d.metadata.generation)).toEqual([1, 1, 1, 1, 1, 1]);
    const replicaSets = (await listObjects(kc, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace })).items as KubeObject[];
    expect(replicaSets).toHaveLength(6);
  });
});
