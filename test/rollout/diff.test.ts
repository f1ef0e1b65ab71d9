// The plan's diff: what a server-side apply would change in a live object, without the fields the server
// writes itself, and the plan's identity hash.
import { canonicalJson, diffObjects, formatChange } from '../../src/rollout/diff';
import { planHash, planSummary, summaryDifferences } from '../../src/rollout/planner';
import { rollbackTarget, type Revision } from '../../src/rollout/record';
import type { KubeObject } from '../../src/kube/types';

const live: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '41', generation: 3, creationTimestamp: '2026-11-29T20:00:00Z',
    managedFields: [{ manager: 'mesh' }], labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '3' },
  },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: 'app', image: 'web:1', ports: [{ containerPort: 80, protocol: 'TCP' }] }, { name: 'log', image: 'log:1' }], terminationGracePeriodSeconds: 30 } },
  },
  status: { readyReplicas: 2 },
};

const applied = (change: (o: KubeObject) => void): KubeObject => {
  const copy = structuredClone(live);
  change(copy);
  return copy;
};

describe('diffObjects', () => {
  it('finds nothing when only what the server writes differs (status, resourceVersion, generation, managedFields, revision annotation)', () => {
    const after = applied((o) => {
      Object.assign(o.metadata, { resourceVersion: '42', generation: 4, managedFields: [{ manager: 'mesh', time: 'later' }], annotations: { 'deployment.kubernetes.io/revision': '4' } });
      o.status = { readyReplicas: 0 };
    });
    expect(diffObjects(live, after)).toEqual([]);
  });

  it('names changed, added and removed fields; containers are matched by name, not position', () => {
    const after = applied((o) => {
      const spec = o.spec as { replicas: number; template: { spec: { containers: Record<string, unknown>[] } } };
      spec.replicas = 3;
      spec.template.spec.containers.reverse();
      spec.template.spec.containers.find((c) => c.name === 'app')!.image = 'web:2';
      o.metadata.labels = { app: 'web', tier: 'front' };
      delete (spec.template.spec as Record<string, unknown>).terminationGracePeriodSeconds;
    });
    expect(diffObjects(live, after).map(formatChange).sort()).toEqual([
      '+ metadata.labels.tier: "front"',
      '- spec.template.spec.terminationGracePeriodSeconds: 30',
      '~ spec.replicas: 2 → 3',
      '~ spec.template.spec.containers[name=app].image: "web:1" → "web:2"',
    ]);
  });

  it('never shows a Secret value, but still tells a changed one from an unchanged one', () => {
    const secret = (value: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: value } });
    expect(diffObjects(secret('c2VjcmV0'), secret('c2VjcmV0'))).toEqual([]);
    const changes = diffObjects(secret('c2VjcmV0'), secret('b3RoZXI='));
    expect(changes.map((c) => c.path)).toEqual(['data.password']);
    expect(JSON.stringify(changes)).not.toMatch(/c2VjcmV0|b3RoZXI=/);
  });

  it('quotes keys that are not identifiers (annotation names)', () => {
    const after = applied((o) => {
      o.metadata.annotations = { ...o.metadata.annotations, 'example.com/owner': 'team' };
    });
    expect(diffObjects(live, after).map((c) => c.path)).toEqual(['metadata.annotations["example.com/owner"]']);
  });
});

describe('plan identity', () => {
  const plan = (image: string, action: 'change' | 'unchanged' = 'change') => ({
    stages: [{ name: 'web', objects: [{ object: 'deployment/web', ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }, action, sent: applied((o) => ((o.spec as { replicas: number }).replicas = image.length)), ...(action === 'change' ? { changes: [{ path: 'spec.replicas', before: 2, after: image.length }] } : {}) }] }],
    deleted: [],
  });
  const where = { namespace: 'shop', app: 'web' };

  it('is the same for the same objects and changes whatever the key order, different when anything differs', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    expect(planHash(plan('abc'), where)).toBe(planHash(plan('abc'), where));
    expect(planHash(plan('abcd'), where)).not.toBe(planHash(plan('abc'), where));
    expect(planHash(plan('abc'), { ...where, commit: 'f'.repeat(40) })).not.toBe(planHash(plan('abc'), where));
    expect(planHash(plan('abc'), { ...where, namespace: 'prod' })).not.toBe(planHash(plan('abc'), where));
  });

  it('says how a plan differs from the approved one', () => {
    expect(summaryDifferences(planSummary(plan('abc', 'unchanged')), planSummary(plan('abc')))).toEqual([
      'was: web: unchanged deployment/web',
      'now: web: change deployment/web (spec.replicas)',
    ]);
  });
});

describe('rollbackTarget', () => {
  const revision = (n: number, outcome: Revision['outcome'], objects: string[]): Revision => ({
    revision: n, rolloutId: `r${n}`, outcome, at: `2026-11-29T2${n}:00:00Z`, by: 'U0ALICE', source: { kind: 'catalog', app: 'web' }, inject: false,
    objects: objects.map((name) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: 'shop' })),
  });
  const history = [revision(3, 'failed', ['web', 'cache', 'worker']), revision(2, 'succeeded', ['web', 'cache']), revision(1, 'succeeded', ['web'])];

  it('defaults to the newest earlier revision that succeeded and deletes what newer ones added', () => {
    const { target, prune } = rollbackTarget(history, undefined);
    expect(target.revision).toBe(2);
    expect(prune.map((r) => r.name)).toEqual(['worker']);
  });

  it('--to goes further back, deleting everything added since', () => {
    expect(rollbackTarget(history, 1).prune.map((r) => r.name).sort()).toEqual(['cache', 'worker']);
  });

  it('refuses an unknown revision, an empty history, and a revision whose files were not recorded', () => {
    expect(() => rollbackTarget(history, 7)).toThrow('revision 7 is not in the history (kept: #3 failed, #2 succeeded, #1 succeeded)');
    expect(() => rollbackTarget([], undefined)).toThrow('there is no recorded revision to roll back to');
    expect(() => rollbackTarget([revision(1, 'succeeded', ['web'])], undefined)).toThrow('no earlier revision succeeded');
    const big = { ...revision(1, 'succeeded', ['web']), source: { kind: 'manifests' as const, files: [] } };
    expect(() => rollbackTarget([revision(2, 'failed', []), big], 1)).toThrow('too large to record');
  });
});
