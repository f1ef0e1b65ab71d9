import { readinessOf, podFailure } from '../../src/rollout/readiness';
import type { KubeObject } from '../../src/kube/types';

// Status objects as a v1.34 API server returns them (trimmed to the fields the rules read).
function deployment(status: Record<string, unknown>, generation = 1, replicas = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'guestbook-ui', namespace: 'g', generation },
    spec: { replicas, selector: { matchLabels: { app: 'guestbook-ui' } } },
    status,
  };
}

describe('Deployment (kubectl rollout status)', () => {
  it('waits until the new generation is observed', () => {
    const r = readinessOf(deployment({ observedGeneration: 1 }, 2));
    expect(r).toEqual({ done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' });
  });
  it('waits for updated, then old, then available replicas', () => {
    expect(readinessOf(deployment({ observedGeneration: 1, replicas: 1, updatedReplicas: 1 })).message).toBe(
      'Waiting for deployment "guestbook-ui" rollout to finish: 1 out of 2 new replicas have been updated...',
    );
    expect(readinessOf(deployment({ observedGeneration: 1, replicas: 3, updatedReplicas: 2 })).message).toBe(
      'Waiting for deployment "guestbook-ui" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(readinessOf(deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).message).toBe(
      'Waiting for deployment "guestbook-ui" rollout to finish: 1 of 2 updated replicas are available...',
    );
  });
  it('is done when every replica is updated and available', () => {
    const r = readinessOf(
      deployment({
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
        ],
      }),
    );
    expect(r).toEqual({ done: true, failed: false, message: 'deployment "guestbook-ui" successfully rolled out' });
  });
  it('fails on ProgressDeadlineExceeded', () => {
    const r = readinessOf(
      deployment({
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        unavailableReplicas: 2,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
    );
    expect(r).toEqual({ done: true, failed: true, message: 'deployment "guestbook-ui" exceeded its progress deadline' });
  });
});

describe('Deployment whose pods cannot be created', () => {
  const webhookDown =
    'Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://127.0.0.1:15017/inject?timeout=10s": dial tcp 127.0.0.1:15017: connect: connection refused';
  const failing = (since: string) =>
    deployment({
      observedGeneration: 1,
      conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: webhookDown, lastTransitionTime: since }],
    });

  it('fails, naming the webhook, once FailedCreate has lasted the grace period', () => {
    const r = readinessOf(failing(new Date(Date.now() - 11_000).toISOString()));
    expect(r).toEqual({ done: true, failed: true, message: `deployment "guestbook-ui" cannot create pods (FailedCreate): ${webhookDown}` });
  });

  it('keeps waiting during the grace period (a webhook restarting)', () => {
    expect(readinessOf(failing(new Date().toISOString()))).toMatchObject({ done: false, failed: false });
  });

  it.each([
    'rpc error: code = Unavailable desc = error reading from server: EOF',
    'etcdserver: request timed out',
    'Timeout: request did not complete within requested timeout - context deadline exceeded',
  ])('keeps waiting past the grace period when the API server\'s storage refused (%s): the controller retries once etcd is back', (message) => {
    const since = new Date(Date.now() - 11_000).toISOString();
    const r = readinessOf(deployment({ observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message, lastTransitionTime: since }] }));
    expect(r).toMatchObject({ done: false, failed: false });
    expect(r.message).toContain(message);
  });
});

describe('StatefulSet and DaemonSet whose pods cannot be created (FailedCreate events only)', () => {
  const webhookDown =
    'create Pod db-0 in StatefulSet db failed error: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://127.0.0.1:15017/inject?timeout=10s": dial tcp 127.0.0.1:15017: connect: connection refused';
  const workload = (kind: string): KubeObject => ({
    apiVersion: 'apps/v1', kind, metadata: { name: 'db', uid: 'uid-db', generation: 1 },
    spec: { replicas: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: 1 },
  });
  const event = (firstAgoMs: number, lastAgoMs: number, uid = 'uid-db'): KubeObject => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name: `db.${firstAgoMs}` },
    ...({ involvedObject: { kind: 'StatefulSet', name: 'db', uid }, reason: 'FailedCreate', message: webhookDown,
      firstTimestamp: new Date(Date.now() - firstAgoMs).toISOString(), lastTimestamp: new Date(Date.now() - lastAgoMs).toISOString() }),
  });

  it.each(['StatefulSet', 'DaemonSet'])('a %s fails, naming the webhook, once creation has failed for the grace period', (kind) => {
    const r = readinessOf(workload(kind), { failedCreateEvents: [event(12_000, 1_000)] });
    expect(r).toEqual({ done: true, failed: true, message: `${kind.toLowerCase()} "db" cannot create pods (FailedCreate): ${webhookDown}` });
  });

  it('keeps waiting past the grace period when the API server\'s storage refused the creation', () => {
    const storage = { ...event(12_000, 1_000), message: 'create Pod db-0 in StatefulSet db failed error: rpc error: code = Unavailable desc = error reading from server: EOF' } as KubeObject;
    expect(readinessOf(workload('StatefulSet'), { failedCreateEvents: [storage] })).toMatchObject({ done: false, failed: false });
  });

  it('keeps waiting during the grace period, for old failures and for another object of the same name', () => {
    const db = workload('StatefulSet');
    expect(readinessOf(db, { failedCreateEvents: [event(3_000, 1_000)] })).toMatchObject({ done: false, failed: false });
    expect(readinessOf(db, { failedCreateEvents: [event(600_000, 300_000)] })).toMatchObject({ done: false, failed: false });
    expect(readinessOf(db, { failedCreateEvents: [event(12_000, 1_000, 'uid-of-a-deleted-db')] })).toMatchObject({ done: false, failed: false });
  });
});

describe('StatefulSet and DaemonSet (kubectl rollout status)', () => {
  const sts = (status: Record<string, unknown>, rollingUpdate?: Record<string, unknown>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', generation: 1 },
    spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate } },
    status,
  });
  it('statefulset: observed generation, ready replicas, partition', () => {
    expect(readinessOf(sts({})).message).toBe('Waiting for statefulset spec update to be observed...');
    expect(readinessOf(sts({ observedGeneration: 1, readyReplicas: 1 })).message).toBe('Waiting for 2 pods to be ready...');
    expect(readinessOf(sts({ observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 }, { partition: 1 })).done).toBe(false);
    expect(readinessOf(sts({ observedGeneration: 1, readyReplicas: 3, updatedReplicas: 2 }, { partition: 1 })).done).toBe(true);
  });
  it('statefulset without rollingUpdate compares revisions', () => {
    const s = { observedGeneration: 1, readyReplicas: 3, updateRevision: 'db-2', currentRevision: 'db-1' };
    expect(readinessOf(sts(s)).done).toBe(false);
    expect(readinessOf(sts({ ...s, currentRevision: 'db-2', currentReplicas: 3 })).done).toBe(true);
  });
  it('statefulset OnDelete is an error, as in kubectl', () => {
    const r = readinessOf({ ...sts({}), spec: { updateStrategy: { type: 'OnDelete' } } });
    expect(r.failed).toBe(true);
  });
  it('daemonset: updated then available', () => {
    const ds = (status: Record<string, unknown>): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', generation: 2 },
      spec: { updateStrategy: { type: 'RollingUpdate' } },
      status,
    });
    expect(readinessOf(ds({ observedGeneration: 1 })).done).toBe(false);
    expect(readinessOf(ds({ observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 1 })).done).toBe(false);
    expect(
      readinessOf(ds({ observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 })).message,
    ).toBe('Waiting for daemon set "agent" rollout to finish: 1 of 2 updated pods are available...');
    expect(
      readinessOf(ds({ observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 })).done,
    ).toBe(true);
  });
});

describe('Job, Service and kinds without a rule', () => {
  const job = (conditions: unknown[]): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate' },
    status: { active: 1, conditions },
  });
  it('job: complete or failed', () => {
    expect(readinessOf(job([])).done).toBe(false);
    expect(readinessOf(job([{ type: 'Complete', status: 'True' }]))).toMatchObject({ done: true, failed: false });
    expect(readinessOf(job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]))).toEqual({
      done: true,
      failed: true,
      message: 'job "migrate" failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    });
  });
  it('service: waits for a ready endpoint in its EndpointSlices', () => {
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis' }, spec: { selector: { app: 'redis' } } };
    const slice = (ready: boolean, service = 'redis'): KubeObject => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${service}-abcde`, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.7'], conditions: { ready, serving: ready, terminating: false } }],
    });
    expect(readinessOf(svc, { endpointSlices: [] }).done).toBe(false);
    expect(readinessOf(svc, { endpointSlices: [slice(false)] }).done).toBe(false);
    expect(readinessOf(svc, { endpointSlices: [slice(true, 'mysql')] }).done).toBe(false);
    expect(readinessOf(svc, { endpointSlices: [slice(true)] })).toMatchObject({ done: true, failed: false });
    expect(readinessOf({ ...svc, spec: {} }).done).toBe(true);
  });
  it('configmaps and other kinds are ready once applied', () => {
    expect(readinessOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }).done).toBe(true);
  });
});

describe('Pod stuck reasons', () => {
  const pod = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mysql-7d9c' }, status });
  it.each(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError'])('%s is a failure', (reason) => {
    const p = pod({
      phase: 'Pending',
      containerStatuses: [{ name: 'mysql', ready: false, state: { waiting: { reason, message: 'back-off 10s' } } }],
    });
    expect(podFailure(p)).toEqual({ reason, message: `container "mysql" is waiting: ${reason}: back-off 10s` });
    expect(readinessOf(p).failed).toBe(true);
  });
  it('ContainerCreating is not a failure', () => {
    const p = pod({ phase: 'Pending', containerStatuses: [{ name: 'mysql', state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(readinessOf(p)).toMatchObject({ done: false, failed: false });
  });
  it('Unschedulable is a failure once it lasts 10 s (the scheduler retries meanwhile)', () => {
    const since = '2026-11-24T20:00:00Z';
    const p = pod({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.', lastTransitionTime: since }],
    });
    expect(podFailure(p, Date.parse(since) + 3_000)).toBeUndefined();
    expect(podFailure(p, Date.parse(since) + 10_000)).toEqual({
      reason: 'Unschedulable',
      message: 'pod cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.',
    });
  });
  it('Ready pods are done', () => {
    const p = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    expect(readinessOf(p)).toMatchObject({ done: true, failed: false });
  });
});

// Status as the API server and its controllers write it on v1.34 (trimmed to the fields the rules read).
describe('every other kind (after kstatus)', () => {
  const obj = (apiVersion: string, kind: string, status?: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject => ({
    apiVersion, kind, metadata: { name: 'x', ...metadata }, ...(status ? { status } : {}),
  });
  const cond = (type: string, status: string, extra: Record<string, string> = {}) => ({ type, status, ...extra });

  it('kinds without status (ServiceAccount, Role, Secret, a custom resource no controller watches) are ready once they exist', () => {
    for (const [apiVersion, kind] of [['v1', 'ServiceAccount'], ['rbac.authorization.k8s.io/v1', 'Role'], ['v1', 'Secret'], ['example.com/v1', 'Widget']]) {
      expect(readinessOf(obj(apiVersion!, kind!))).toEqual({ done: true, failed: false, message: `${kind!.toLowerCase()} "x" exists as applied` });
    }
  });
  it('any object being deleted waits, whatever its kind', () => {
    expect(readinessOf(obj('v1', 'ConfigMap', undefined, { deletionTimestamp: '2026-12-06T09:00:00Z' }))).toEqual({ done: false, failed: false, message: 'configmap "x" is being deleted' });
  });
  it('a custom resource: generation not observed, Reconciling, Stalled, then its Ready condition', () => {
    const cr = (status: Record<string, unknown>) => obj('example.com/v1', 'Widget', status, { generation: 3 });
    expect(readinessOf(cr({ observedGeneration: 2, conditions: [cond('Ready', 'True')] })).message).toBe('Waiting for widget "x": generation 3 not observed yet (observed 2)');
    expect(readinessOf(cr({ observedGeneration: 3, conditions: [cond('Reconciling', 'True', { message: 'installing chart' })] }))).toEqual({ done: false, failed: false, message: 'Waiting for widget "x" to reconcile: installing chart' });
    expect(readinessOf(cr({ observedGeneration: 3, conditions: [cond('Stalled', 'True', { reason: 'InvalidSpec', message: 'bad port' })] }))).toEqual({ done: true, failed: true, message: 'widget "x" is stalled: InvalidSpec: bad port' });
    expect(readinessOf(cr({ observedGeneration: 3, conditions: [cond('Ready', 'False', { reason: 'Progressing' })] }))).toEqual({ done: false, failed: false, message: 'Waiting for widget "x" to be Ready (Progressing)' });
    expect(readinessOf(cr({ observedGeneration: 3, conditions: [cond('Ready', 'True')] }))).toEqual({ done: true, failed: false, message: 'widget "x" is Ready' });
    expect(readinessOf(cr({ observedGeneration: 3, conditions: [cond('Available', 'False')] })).done).toBe(false);
  });
  it('Namespace: Active; PersistentVolumeClaim: Bound, Lost fails', () => {
    expect(readinessOf(obj('v1', 'Namespace', { phase: 'Active' })).done).toBe(true);
    expect(readinessOf(obj('v1', 'Namespace', { phase: 'Terminating' }))).toMatchObject({ done: false, message: 'Waiting for namespace "x" to be Active (phase Terminating)' });
    expect(readinessOf(obj('v1', 'PersistentVolumeClaim', { phase: 'Pending' }))).toMatchObject({ done: false, message: 'Waiting for persistentvolumeclaim "x" to be Bound (phase Pending)' });
    expect(readinessOf(obj('v1', 'PersistentVolumeClaim', { phase: 'Bound' }))).toMatchObject({ done: true, failed: false });
    expect(readinessOf(obj('v1', 'PersistentVolumeClaim', { phase: 'Lost' }))).toMatchObject({ done: true, failed: true });
  });
  it('CustomResourceDefinition: Established; names refused fail; Installing waits', () => {
    const crd = (conditions: unknown[]) => obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { conditions });
    expect(readinessOf(crd([])).message).toBe('Waiting for customresourcedefinition "x" to be Established');
    expect(readinessOf(crd([cond('NamesAccepted', 'True'), cond('Established', 'False', { reason: 'Installing' })])).done).toBe(false);
    expect(readinessOf(crd([cond('NamesAccepted', 'True'), cond('Established', 'True')]))).toEqual({ done: true, failed: false, message: 'customresourcedefinition "x" is Established' });
    expect(readinessOf(crd([cond('NamesAccepted', 'False', { reason: 'KindConflict', message: '"Widget" is already in use' })]))).toMatchObject({ done: true, failed: true });
  });
  it('APIService: Available', () => {
    const api = (conditions: unknown[]) => obj('apiregistration.k8s.io/v1', 'APIService', { conditions });
    expect(readinessOf(api([cond('Available', 'False', { reason: 'MissingEndpoints' })]))).toMatchObject({ done: false, message: 'Waiting for apiservice "x" to be Available (MissingEndpoints)' });
    expect(readinessOf(api([cond('Available', 'True')])).done).toBe(true);
  });
  it('ReplicaSet: every replica labelled, available and ready', () => {
    const rs = (status: Record<string, unknown>) => ({ ...obj('apps/v1', 'ReplicaSet', status, { generation: 1 }), spec: { replicas: 2 } });
    expect(readinessOf(rs({ observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 1, readyReplicas: 1 })).message).toBe('Waiting for replicaset "x": 1 of 2 replicas available');
    expect(readinessOf(rs({ observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, readyReplicas: 2 }))).toMatchObject({ done: true, failed: false });
  });
});
