import { hostname } from 'node:os';
import { evaluateStage } from '../../src/rollout/evaluate';
import { matchesSelectorEmptyMatchesNone } from '../../src/kube/label-selector';
import { isStale, microTime } from '../../src/rollout/lock';
import { parseDuration } from '../../src/cli/deploy';
import { toProgress } from '../../src/jobs/rollout-progress';
import { eventLines } from '../../src/cli/rollout-text';
import type { KubeObject } from '../../src/kube/types';

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'mysql', generation: 1 },
  spec: { replicas: 1, selector: { matchLabels: { app: 'mysql' } } },
};
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'mysql' }, spec: { selector: { app: 'mysql' } } };
const liveDeployment = (available: number): KubeObject => ({
  ...deployment,
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: available },
});
const pod = (status: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'mysql-5d8f-abcde', labels: { app: 'mysql', 'pod-template-hash': '5d8f' } },
  status,
});
const slice: KubeObject = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'mysql-x', labels: { 'kubernetes.io/service-name': 'mysql' } },
  endpoints: [{ addresses: ['10.244.0.3'], conditions: { ready: true } }],
};
const live = (d: KubeObject[], pods: KubeObject[], slices: KubeObject[]) => ({
  byKind: new Map([
    ['apps/v1/Deployment', d],
    ['v1/Service', [service]],
  ]),
  pods,
  endpointSlices: slices,
});

describe('evaluateStage after a rollback (ReplicaSets known)', () => {
  const crashing = (rs: string): KubeObject => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `${rs}-abcde`, labels: { app: 'mysql' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: rs, controller: true }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'mysql', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
  });
  const replicaSet = (name: string, revision: string): KubeObject => ({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'mysql', uid: 'd', controller: true }] },
  });
  const rolledBack = (observed: number): KubeObject => ({
    ...deployment,
    metadata: { ...deployment.metadata, generation: 3, annotations: { 'deployment.kubernetes.io/revision': '3' } },
    status: { observedGeneration: observed, replicas: 2, updatedReplicas: 1, availableReplicas: 1 },
  });
  const withSets = (d: KubeObject, pods: KubeObject[]) => ({ ...live([d], pods, [slice]), replicaSets: [replicaSet('mysql-good', '3'), replicaSet('mysql-bad', '2')] });

  it('a crash-looping pod of the revision rolled away from is not a failure: the stage waits for the controller', () => {
    expect(evaluateStage([deployment], withSets(rolledBack(3), [crashing('mysql-bad')])).status).toBe('waiting');
  });
  it('nor before the controller observed the rolled-back template', () => {
    expect(evaluateStage([deployment], withSets(rolledBack(2), [crashing('mysql-good')])).status).toBe('waiting');
  });
  it('a crash-looping pod of the current revision still fails the stage at once', () => {
    const e = evaluateStage([deployment], withSets(rolledBack(3), [crashing('mysql-good')]));
    expect(e.status).toBe('failed');
    expect(e.objects[0]).toMatchObject({ pod: 'mysql-good-abcde', reason: 'CrashLoopBackOff' });
  });
});

describe('evaluateStage', () => {
  it('waits for objects that do not exist yet, then for readiness', () => {
    expect(evaluateStage([deployment, service], live([], [], [])).status).toBe('waiting');
    const e = evaluateStage([deployment, service], live([liveDeployment(0)], [pod({ phase: 'Pending' })], []));
    expect(e.status).toBe('waiting');
    expect(e.objects.map((o) => o.object)).toEqual(['deployment/mysql', 'service/mysql']);
  });
  it('is ready when every object is', () => {
    expect(evaluateStage([deployment, service], live([liveDeployment(1)], [], [slice])).status).toBe('ready');
  });
  it('fails a workload on its stuck pod, naming pod and reason', () => {
    const stuck = pod({ phase: 'Running', containerStatuses: [{ name: 'mysql', state: { waiting: { reason: 'CrashLoopBackOff' } } }] });
    const e = evaluateStage([deployment, service], live([liveDeployment(0)], [stuck], []));
    expect(e.status).toBe('failed');
    expect(e.objects[0]).toMatchObject({ object: 'deployment/mysql', pod: 'mysql-5d8f-abcde', reason: 'CrashLoopBackOff' });
  });
  it('selectors: matchLabels and matchExpressions', () => {
    const sel = { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }, { key: 'old', operator: 'DoesNotExist' }] };
    expect(matchesSelectorEmptyMatchesNone({ app: 'a', tier: 'web' }, sel)).toBe(true);
    expect(matchesSelectorEmptyMatchesNone({ app: 'a', tier: 'db' }, sel)).toBe(false);
    expect(matchesSelectorEmptyMatchesNone({ app: 'a', tier: 'web', old: '1' }, sel)).toBe(false);
    expect(matchesSelectorEmptyMatchesNone({ app: 'a' }, undefined)).toBe(false);
  });
});

describe('lock staleness, durations, event text', () => {
  it('a lease not renewed within its duration is stale; a live foreign process is not', () => {
    const info = { rolloutId: 'r', holder: 'h', command: '', since: '', leaseDurationSeconds: 30, renewedAt: microTime(Date.parse('2026-01-01T00:00:00Z')), process: 'some-other-host/1' };
    expect(info.renewedAt).toBe('2026-01-01T00:00:00.000000Z');
    expect(isStale(info, Date.parse('2026-01-01T00:00:29Z'))).toBe(false);
    expect(isStale(info, Date.parse('2026-01-01T00:00:31Z'))).toBe(true);
  });
  it('a lease whose holder process on this host has exited is stale at once', () => {
    const info = { rolloutId: 'r', holder: 'h', command: '', since: '', leaseDurationSeconds: 30, renewedAt: microTime(Date.now()), process: `${hostname()}/999999999` };
    expect(isStale(info, Date.now())).toBe(true);
    expect(isStale({ ...info, process: `${hostname()}/${process.pid}` }, Date.now())).toBe(false);
  });
  it('parses --timeout durations', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(() => parseDuration('soon')).toThrow('--timeout "soon" is not a duration (e.g. 90s, 5m, 1m30s)');
  });
  it('renders a failure with its diagnosis and what was applied', () => {
    const lines = eventLines({
      type: 'failed',
      rolloutId: 'ns.guestbook.x',
      app: 'guestbook',
      namespace: 'ns',
      at: '2026-01-01T00:00:00.000Z',
      reason: 'stage',
      stage: 'backends',
      message: 'stage "backends" failed',
      applied: ['backends: deployment/mysql'],
      diagnosis: {
        object: 'deployment/mysql',
        reason: 'CrashLoopBackOff',
        pod: 'mysql-1',
        message: 'container "mysql" is waiting: CrashLoopBackOff',
        events: [{ at: '2026-01-01T00:00:00Z', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container' }],
        pending: [{ object: 'deployment/mysql', message: 'x' }],
      },
    });
    expect(lines).toEqual([
      'FAILED in stage backends: stage "backends" failed',
      '  deployment/mysql: CrashLoopBackOff (pod mysql-1)',
      '    container "mysql" is waiting: CrashLoopBackOff',
      '    last events:',
      '      2026-01-01T00:00:00Z Warning BackOff: Back-off restarting failed container',
      '  applied so far: backends: deployment/mysql',
    ]);
  });
});

describe('evaluateStage: every object counts', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'x' } };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'x' } };
  it('an object of a kind without a rule waits until it exists, then is ready', () => {
    const missing = evaluateStage([cm], { byKind: new Map(), pods: [], endpointSlices: [] });
    expect(missing).toEqual({ status: 'waiting', objects: [{ object: 'configmap/settings', readiness: { done: false, failed: false, message: 'configmap/settings does not exist yet' } }] });
    const there = evaluateStage([cm], { byKind: new Map([['v1/ConfigMap', [cm]]]), pods: [], endpointSlices: [] });
    expect(there.status).toBe('ready');
  });
  it('a Secret is judged from its apply, never read back', () => {
    expect(evaluateStage([secret], { byKind: new Map(), pods: [], endpointSlices: [] })).toEqual({
      status: 'ready', objects: [{ object: 'secret/creds', readiness: { done: true, failed: false, message: 'secret "creds" applied (not read back)' } }],
    });
  });
});

describe('a deletion a rollback left alone', () => {
  const base = { type: 'object-deleted' as const, rolloutId: 'ns.shop.x', app: 'shop', namespace: 'ns', at: '2026-01-01T00:00:00.000Z', object: 'configmap/extra' };
  it('says why, on the CLI and in the channel; a real deletion still says deleted', () => {
    const kept = { ...base, kept: "it does not carry mesh's mark (mesh.dev/applied-by: ns/shop); someone else created it" };
    expect(eventLines(kept)).toEqual(["  configmap/extra kept: it does not carry mesh's mark (mesh.dev/applied-by: ns/shop); someone else created it"]);
    expect(toProgress(kept)).toMatchObject({ type: 'note', text: "configmap/extra not deleted: it does not carry mesh's mark (mesh.dev/applied-by: ns/shop); someone else created it" });
    expect(eventLines(base)).toEqual(['  configmap/extra deleted']);
    expect(toProgress(base)).toMatchObject({ type: 'note', text: 'configmap/extra deleted (not part of the revision rolled back to)' });
  });
});
