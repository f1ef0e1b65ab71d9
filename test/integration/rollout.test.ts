import path from 'node:path';
import { listObjects, getObject } from '../../src/kube/objects';
import type { KubeObject } from '../../src/kube/types';
import { requestCancel, runRollout, startRollout, type RolloutEvent, type RolloutRequest } from '../../src/rollout';
import { readManifestFiles } from '../../src/cli/deploy';
import { readHistory } from '../../src/rollout/record';
import { guestbookAsWaves } from '../support/guestbook-waves';
import { FAIL_ANNOTATION, READY_DELAY_ANNOTATION, kubeConfig, withNamespace } from './setup/cluster';

const kc = kubeConfig();

async function deploy(request: Partial<RolloutRequest> & { namespace: string }, stepBudgetMs?: number) {
  const events: RolloutEvent[] = [];
  const state = startRollout({ app: 'guestbook', holder: 'jest', command: 'test', ...request });
  const final = await runRollout(state, { kc, emit: (e) => events.push(e), stepBudgetMs });
  return { final, events };
}

const list = async (namespace: string, apiVersion: string, kind: string) => (await listObjects(kc, { apiVersion, kind, namespace })).items;
const readyTime = (pod: KubeObject) =>
  ((pod.status as { conditions?: { type: string; status: string; lastTransitionTime: string }[] }).conditions ?? []).find(
    (c) => c.type === 'Ready' && c.status === 'True',
  )?.lastTransitionTime;

const podTemplate = (d: KubeObject) => (d.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata;

describe('mesh deploy guestbook', () => {
  const ns = withNamespace('rollout-guestbook');

  it('rolls out in exactly three ordered stages, each after the previous one is ready', async () => {
    const { final, events } = await deploy({ namespace: ns.name });
    expect(final.phase).toBe('finished');
    const started = events.filter((e) => e.type === 'stage-started');
    const done = events.filter((e) => e.type === 'stage-done');
    expect(started.map((e) => e.stage)).toEqual(['backends', 'guestbook-service', 'guestbook-ui']);
    expect(done.map((e) => e.stage)).toEqual(['backends', 'guestbook-service', 'guestbook-ui']);
    const types = events.map((e) => `${e.type}${'stage' in e ? `:${e.stage}` : ''}`);
    for (let i = 1; i < 3; i += 1) {
      expect(types.indexOf(`stage-started:${started[i]!.stage}`)).toBeGreaterThan(types.indexOf(`stage-done:${done[i - 1]!.stage}`));
    }
    expect(events.at(-1)).toMatchObject({ type: 'finished', stages: [{ name: 'backends' }, { name: 'guestbook-service' }, { name: 'guestbook-ui' }] });

    // The cluster's own record: every pod of stage n was Ready (lastTransitionTime, second precision) no later
    // than stage n+1 started, and stage n+1's pods were created no earlier than that.
    const pods = await list(ns.name, 'v1', 'Pod');
    const stageOf = (pod: KubeObject) =>
      ({ mysql: 0, redis: 0, 'helloworld-service': 0, 'guestbook-service': 1, 'guestbook-ui': 2 })[pod.metadata.labels!.app!]!;
    expect(pods).toHaveLength(6);
    const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    for (let stage = 0; stage < 2; stage += 1) {
      const readyTimes = pods.filter((p) => stageOf(p) === stage).map((p) => second(readyTime(p)!));
      const nextStart = second(started[stage + 1]!.at);
      const nextCreated = pods.filter((p) => stageOf(p) === stage + 1).map((p) => second(p.metadata.creationTimestamp!));
      expect(Math.max(...readyTimes)).toBeLessThanOrEqual(nextStart);
      expect(Math.min(...nextCreated)).toBeGreaterThanOrEqual(Math.max(...readyTimes));
    }
    expect(await getObject(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'mesh-rollout-guestbook', namespace: ns.name } })).toBeUndefined();
  });

  it('re-running converges: same objects, nothing duplicated, no new pods', async () => {
    const before = (await list(ns.name, 'v1', 'Pod')).map((p) => p.metadata.name).sort();
    const { final, events } = await deploy({ namespace: ns.name });
    expect(final.phase).toBe('finished');
    expect(events.filter((e) => e.type === 'object-applied').every((e) => e.type === 'object-applied' && e.result === 'configured')).toBe(true);
    expect((await list(ns.name, 'v1', 'Pod')).map((p) => p.metadata.name).sort()).toEqual(before);
    expect(await list(ns.name, 'apps/v1', 'Deployment')).toHaveLength(6);
    expect(await list(ns.name, 'apps/v1', 'ReplicaSet')).toHaveLength(6);
  });
});

describe('mesh deploy: failures', () => {
  const ns = withNamespace('rollout-failure');

  it('stops at the stage of a crash-looping workload with its pod, reason and events; later stages untouched', async () => {
    const files = guestbookAsWaves((d) => {
      if (d.metadata.name === 'guestbook-service') podTemplate(d).annotations = { ...podTemplate(d).annotations, [FAIL_ANNOTATION]: 'CrashLoopBackOff' };
    });
    const { final, events } = await deploy({ app: 'guestbook-crash', files, namespace: ns.name });
    expect(final.phase).toBe('failed');
    const failed = events.find((e) => e.type === 'failed');
    expect(failed).toMatchObject({ type: 'failed', reason: 'stage', stage: 'wave 1' });
    expect(failed?.type === 'failed' && failed.diagnosis).toMatchObject({ object: 'deployment/guestbook-service', reason: 'CrashLoopBackOff' });
    expect(failed?.type === 'failed' && failed.diagnosis?.pod).toMatch(/^guestbook-service-/);
    expect(events.filter((e) => e.type === 'stage-started').map((e) => e.type === 'stage-started' && e.stage)).toEqual(['wave 0', 'wave 1']);
    const deployments = (await list(ns.name, 'apps/v1', 'Deployment')).map((d) => d.metadata.name);
    expect(deployments).not.toContain('guestbook-ui');
    expect(deployments).toContain('guestbook-service');
  });

  it('reports a stage deadline with the workload that never became ready', async () => {
    const files = guestbookAsWaves((d) => {
      if (d.metadata.name === 'redis') podTemplate(d).annotations = { [FAIL_ANNOTATION]: 'NeverReady' };
    });
    const { final } = await deploy({ app: 'guestbook-slow', files, namespace: ns.name, stageTimeoutMs: 5000 }, 1000);
    expect(final.error).toMatchObject({ reason: 'deadline', diagnosis: { reason: 'StageDeadlineExceeded' } });
    expect(final.error?.message).toMatch(/^stage "wave 0" was not ready within 5s: /);
    expect(final.error?.diagnosis?.pending.map((p) => p.object)).toContain('deployment/redis');
    // The lock is released; what remains is the stopped rollout in the app's history.
    const leases = (await list(ns.name, 'coordination.k8s.io/v1', 'Lease')).map((l) => l.metadata.name);
    expect(leases.filter((name) => name?.startsWith('mesh-rollout-'))).toEqual([]);
    expect((await readHistory(kc, ns.name, 'guestbook-slow'))[0]).toMatchObject({ revision: 1, outcome: 'failed', reason: 'deadline' });
  });
});

describe('mesh deploy: lock', () => {
  const ns = withNamespace('rollout-lock');

  it('refuses the second of two concurrent deploys, naming who holds the lock and since when', async () => {
    const [a, b] = await Promise.all([
      deploy({ namespace: ns.name, holder: 'alice' }),
      deploy({ namespace: ns.name, holder: 'bob' }),
    ]);
    const phases = [a.final.phase, b.final.phase].sort();
    expect(phases).toEqual(['failed', 'finished']);
    const refused = a.final.phase === 'failed' ? a : b;
    const winner = refused === a ? 'bob' : 'alice';
    expect(refused.final.error?.reason).toBe('locked');
    expect(refused.final.error?.message).toMatch(new RegExp(`being deployed by ${winner} since \\d{4}-`));
    expect(refused.events.some((e) => e.type === 'object-applied')).toBe(false);
  });
});

describe('mesh deploy: cancel', () => {
  const ns = withNamespace('rollout-cancel');

  it('stops between steps when another process asks, reporting what was applied; later stages untouched', async () => {
    const files = guestbookAsWaves((d) => {
      if (d.metadata.name === 'redis') podTemplate(d).annotations = { [READY_DELAY_ANNOTATION]: '20s' };
    });
    const events: RolloutEvent[] = [];
    const state = startRollout({ app: 'guestbook-cancel', files, namespace: ns.name, holder: 'jest', command: 'test' });
    const running = runRollout(state, {
      kc,
      stepBudgetMs: 300,
      emit: (e) => {
        events.push(e);
        if (e.type === 'object-ready') void requestCancel(kc, state.id, 'the cancel button');
      },
    });
    const final = await running;
    expect(final.phase).toBe('cancelled');
    const cancelled = events.find((e) => e.type === 'cancelled');
    expect(cancelled).toMatchObject({ by: 'the cancel button', stage: 'wave 0', applied: expect.arrayContaining(['wave 0: deployment/redis']) });
    expect((await list(ns.name, 'apps/v1', 'Deployment')).map((d) => d.metadata.name)).not.toContain('guestbook-service');
    // The lock is released; what remains is the stopped rollout in the app's history.
    const leases = (await list(ns.name, 'coordination.k8s.io/v1', 'Lease')).map((l) => l.metadata.name);
    expect(leases.filter((name) => name?.startsWith('mesh-rollout-'))).toEqual([]);
    expect((await readHistory(kc, ns.name, 'guestbook-cancel'))[0]).toMatchObject({ revision: 1, outcome: 'cancelled' });
  });
});

describe('mesh deploy: pre-flight', () => {
  it('rejects the upstream workshop manifests with clear reasons and creates nothing, not even the namespace', async () => {
    const namespace = `rollout-upstream-${Date.now().toString(36)}`;
    const files = readManifestFiles(['guestbook-upstream'], path.join(__dirname, '../rollout/fixtures'));
    const { final } = await deploy({ app: 'guestbook-upstream', files, namespace });
    expect(final.error?.reason).toBe('preflight');
    const reasons = (final.error?.problems ?? []).map((p) => `${path.basename(p.file)}${p.line ? `:${p.line}` : ''} ${p.object ?? ''}: ${p.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^helloworld-deployment\.yaml:\d+ : duplicate key "version"/),
        expect.stringMatching(/^mysql-deployment\.yaml:\d+ Deployment\/mysql: apiVersion extensions\/v1beta1 is not served/),
        expect.stringMatching(/^guestbook-ingress\.yaml:\d+ Ingress\/simple-ingress: apiVersion extensions\/v1beta1 is not served/),
        expect.stringMatching(/^route-rule-force-hello-v1\.yaml:\d+ RouteRule\/helloworld-default: apiVersion config\.istio\.io\/v1alpha2 is not served/),
        expect.stringMatching(/^mixer-kubernetes-rules\.yaml:\d+ : not a Kubernetes object/),
      ]),
    );
    expect(await getObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })).toBeUndefined();
  });

  it('rejects an apps/v1 Deployment without a selector (server-side validation) in an existing namespace', async () => {
    const ns = 'default';
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mysql-no-selector
spec:
  template:
    metadata:
      labels: {app: mysql}
    spec:
      containers: [{name: mysql, image: "mysql:5.6"}]
`;
    const { final } = await deploy({ app: 'noselector', files: [{ file: 'mysql.yaml', text }], namespace: ns });
    expect(final.error?.problems).toEqual([
      expect.objectContaining({ file: 'mysql.yaml', line: 1, object: 'Deployment/mysql-no-selector', reason: expect.stringMatching(/spec\.selector: Required value/) }),
    ]);
    expect(await getObject(kc, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mysql-no-selector', namespace: ns } })).toBeUndefined();
  });
});
