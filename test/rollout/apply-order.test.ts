import { applyGroups, definedKind, definedKinds } from '../../src/rollout/apply-order';
import { APPLIED_BY_ANNOTATION, markApplied, notOurs, ownerMark } from '../../src/rollout/ownership';
import type { KubeObject } from '../../src/kube/types';

const obj = (apiVersion: string, kind: string, name = kind.toLowerCase(), extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion, kind, metadata: { name }, ...extra });

describe('apply order within a stage (as Helm, kapp and Argo CD)', () => {
  it('namespaces and CRDs, then configuration and RBAC, then Services, then workloads, then everything else', () => {
    // As a chart or a kustomize build lists them: workloads first, custom resources in the middle.
    const stage = [
      obj('apps/v1', 'Deployment', 'web'), obj('networking.istio.io/v1', 'VirtualService', 'web'), obj('v1', 'Service', 'web'),
      obj('v1', 'ConfigMap', 'settings'), obj('v1', 'ServiceAccount', 'web'), obj('batch/v1', 'Job', 'migrate'),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'), obj('v1', 'Namespace', 'extra'),
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'web'), obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'web'),
      obj('v1', 'PersistentVolumeClaim', 'data'),
    ];
    expect(applyGroups(stage).map((g) => `${g.name}: ${g.objects.map((o) => `${o.kind}/${o.metadata.name}`).join(' ')}`)).toEqual([
      'namespaces and definitions: CustomResourceDefinition/widgets.example.com Namespace/extra',
      'configuration: ConfigMap/settings ServiceAccount/web RoleBinding/web PersistentVolumeClaim/data',
      'services: Service/web',
      'workloads: Deployment/web Job/migrate',
      'the rest: VirtualService/web HorizontalPodAutoscaler/web',
    ]);
  });
  it('a stage of one kind is one group', () => {
    expect(applyGroups([obj('v1', 'ConfigMap', 'a'), obj('v1', 'ConfigMap', 'b')])).toHaveLength(1);
  });
});

describe("kinds defined by the app's own CRDs", () => {
  const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', {
    spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1' }, { name: 'v1beta1' }] },
  });
  const cluster = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'gizmos.example.com', {
    spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Gizmo' }, versions: [{ name: 'v1' }] },
  });
  it('every served version, with its scope and CRD name', () => {
    const defined = definedKinds([crd, cluster, obj('v1', 'ConfigMap')]);
    expect(definedKind(defined, { apiVersion: 'example.com/v1beta1', kind: 'Widget' })).toEqual({ crd: 'widgets.example.com', namespaced: true });
    expect(definedKind(defined, { apiVersion: 'example.com/v1', kind: 'Gizmo' })).toEqual({ crd: 'gizmos.example.com', namespaced: false });
    expect(definedKind(defined, { apiVersion: 'example.com/v2', kind: 'Widget' })).toBeUndefined();
  });
});

describe("mesh's mark on what it applies", () => {
  const mark = ownerMark('shop', 'web');
  const live = (annotations?: Record<string, string>, kind = 'ConfigMap', name = 'settings'): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, ...(annotations ? { annotations } : {}) } });
  it('is added to the annotations the manifest has, changing nothing else', () => {
    const sent = markApplied(live({ team: 'a' }), mark);
    expect(sent.metadata.annotations).toEqual({ team: 'a', [APPLIED_BY_ANNOTATION]: 'shop/web' });
  });
  it('an object is the app\'s to delete only with its exact mark, and never the namespace the app lives in', () => {
    expect(notOurs(live({ [APPLIED_BY_ANNOTATION]: 'shop/web' }), mark, 'shop')).toBeUndefined();
    expect(notOurs(live(), mark, 'shop')).toMatch(/does not carry mesh's mark .*someone else created it/);
    expect(notOurs(live({ [APPLIED_BY_ANNOTATION]: 'shop/other' }), mark, 'shop')).toBe('it was applied by shop/other, not shop/web');
    expect(notOurs(live({ [APPLIED_BY_ANNOTATION]: 'shop/web' }, 'Namespace', 'shop'), mark, 'shop')).toBe('it is the namespace the app is deployed to');
  });
});
