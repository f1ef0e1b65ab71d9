import { sidecarCoverage } from '../../src/autoinject/coverage';
import type { KubeObject } from '../../src/kube';

const owned = (kind: string, name: string) => [{ apiVersion: 'apps/v1', kind, name, uid: name, controller: true }];
const pod = (name: string, owner: KubeObject['metadata']['ownerReferences'], containers: string[], extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ownerReferences: owner },
  spec: { containers: containers.map((c) => ({ name: c })) },
  status: { phase: 'Running' },
  ...extra,
});

describe('sidecarCoverage', () => {
  const replicaSets: KubeObject[] = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', ownerReferences: owned('Deployment', 'web') } }];

  it('counts pods with istio-proxy per workload, resolving ReplicaSets to their Deployment', () => {
    const coverage = sidecarCoverage(
      [
        pod('web-1-a', owned('ReplicaSet', 'web-1'), ['app', 'istio-proxy']),
        pod('web-1-b', owned('ReplicaSet', 'web-1'), ['app']),
        pod('db-0', owned('StatefulSet', 'db'), ['db']),
        { ...pod('native', undefined, ['app']), spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-proxy' }] } },
        pod('done', owned('Job', 'j'), ['app'], { status: { phase: 'Succeeded' } }),
        pod('going', undefined, ['app'], { metadata: { name: 'going', deletionTimestamp: '2026-01-01T00:00:00Z' } }),
      ],
      replicaSets,
    );
    expect(coverage.pods).toBe(4);
    expect(coverage.withSidecar).toBe(2);
    expect(coverage.workloads).toEqual([
      { kind: 'Deployment', name: 'web', pods: 2, withSidecar: 1, restartable: true },
      { kind: 'Pod', name: 'native', pods: 1, withSidecar: 1, restartable: false },
      { kind: 'StatefulSet', name: 'db', pods: 1, withSidecar: 0, restartable: true },
    ]);
  });
});
