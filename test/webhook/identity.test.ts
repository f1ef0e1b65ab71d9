import { workloadOwnerOfPod } from '../../src/webhook/identity';

const controller = (kind: string, name: string, apiVersion = 'apps/v1') => [{ apiVersion, kind, name, controller: true }];

describe('workloadOwnerOfPod (GetDeployMetaFromPod)', () => {
  it('reports a Deployment for a ReplicaSet-owned pod with pod-template-hash', () => {
    expect(
      workloadOwnerOfPod({
        generateName: 'web-5d4f8c-',
        namespace: 'shop',
        labels: { 'pod-template-hash': '5d4f8c' },
        ownerReferences: controller('ReplicaSet', 'web-5d4f8c'),
      }),
    ).toEqual({ kind: 'Deployment', name: 'web', namespace: 'shop', apiVersion: 'apps/v1' });
  });

  it('keeps a bare ReplicaSet without the hash label', () => {
    expect(workloadOwnerOfPod({ generateName: 'rs-', ownerReferences: controller('ReplicaSet', 'rs') })).toMatchObject({
      kind: 'ReplicaSet',
      name: 'rs',
    });
  });

  it('reports a CronJob for a Job named with a timestamp suffix', () => {
    expect(workloadOwnerOfPod({ generateName: 'nightly-28000000-', ownerReferences: controller('Job', 'nightly-28000000', 'batch/v1') })).toMatchObject({
      kind: 'CronJob',
      name: 'nightly',
      apiVersion: 'batch/v1',
    });
    expect(workloadOwnerOfPod({ generateName: 'once-', ownerReferences: controller('Job', 'once-123', 'batch/v1') })).toMatchObject({
      kind: 'Job',
      name: 'once-123',
    });
  });

  it('reports a DeploymentConfig for a labelled ReplicationController', () => {
    expect(
      workloadOwnerOfPod({ generateName: 'dc-1-', labels: { deploymentconfig: 'dc' }, ownerReferences: controller('ReplicationController', 'dc-1', 'v1') }),
    ).toMatchObject({ kind: 'DeploymentConfig', name: 'dc' });
  });

  it('reports the pod itself when it has a name and no generateName, or no controller', () => {
    expect(workloadOwnerOfPod({ name: 'solo', namespace: 'ns', ownerReferences: controller('ReplicaSet', 'x') })).toEqual({
      kind: 'Pod',
      name: 'solo',
      namespace: 'ns',
      apiVersion: 'v1',
    });
    expect(workloadOwnerOfPod({ generateName: 'g-', name: 'g-1' })).toMatchObject({ kind: 'Pod', name: 'g-1' });
  });
});
