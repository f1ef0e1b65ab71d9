import { scopeRefusal, type AppScope } from '../../src/rollout/scope';
import type { KubeObject } from '../../src/kube/types';

const shop: AppScope = { owner: 'app shop (apps.yaml)', clusterResources: [], clusterRoles: [] };
const rbac = (kind: string, name: string, extra: Record<string, unknown>): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name }, ...extra });
const sa = (name: string, namespace?: string) => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) });

describe('what an app may touch beyond its namespace (pre-flight)', () => {
  it('refuses cluster-scoped kinds unless clusterResources lists them, naming the rule and what is listed', () => {
    const takeover = rbac('ClusterRoleBinding', 'shop-admin', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [sa('default', 'shop-x')] });
    expect(scopeRefusal(takeover, false, 'shop-x', shop)).toBe(
      'app scope rule "clusterResources": rbac.authorization.k8s.io/ClusterRoleBinding is cluster-scoped and app shop (apps.yaml) may not apply it (clusterResources: none by default)',
    );
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop-y' } };
    expect(scopeRefusal(namespace, false, 'shop-x', shop)).toMatch(/^app scope rule "clusterResources": Namespace is cluster-scoped/);
    expect(scopeRefusal(namespace, false, 'shop-x', { ...shop, clusterResources: [{ group: '', kind: 'Namespace' }] })).toBeUndefined();
    expect(scopeRefusal(namespace, false, 'shop-x', { ...shop, clusterResources: [{ group: 'apps', kind: '*' }] })).toMatch(/clusterResources: apps\/\*\)$/);
    // Without a scope in the state (an older rollout, a door that forgot): nothing beyond the namespace.
    expect(scopeRefusal(namespace, false, 'shop-x', undefined)).toMatch(/this rollout may not apply it/);
  });

  it('a ClusterRoleBinding that is allowed still may not bind a ClusterRole the app does not list', () => {
    const allowed = { ...shop, clusterResources: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' }] };
    const binding = rbac('ClusterRoleBinding', 'x', { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [sa('default', 'shop-x')] });
    expect(scopeRefusal(binding, false, 'shop-x', allowed)).toMatch(/^app scope rule "clusterRoles": it binds ClusterRole cluster-admin/);
  });

  it('refuses admission webhooks and policies always, even when listed, unless the CLI lifts every rule', () => {
    const webhook = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'w' } };
    const everything = { ...shop, clusterResources: [{ group: '*', kind: '*' }] };
    expect(scopeRefusal(webhook, false, 'shop-x', everything)).toMatch(/^app scope rule "admission": admissionregistration.k8s.io\/MutatingWebhookConfiguration is never applied by an app/);
    expect(scopeRefusal({ ...webhook, kind: 'ValidatingWebhookConfiguration' }, false, 'shop-x', everything)).toMatch(/"admission"/);
    expect(scopeRefusal(webhook, false, 'shop-x', { unrestricted: 'mesh deploy --allow-cluster-resources' })).toBeUndefined();
  });

  it('refuses a RoleBinding of a ClusterRole unless clusterRoles names it', () => {
    const binding = rbac('RoleBinding', 'view', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [sa('web')] });
    expect(scopeRefusal(binding, true, 'shop-x', shop)).toBe(
      'app scope rule "clusterRoles": it binds ClusterRole view, which app shop (apps.yaml) may not bind (clusterRoles: none by default)',
    );
    expect(scopeRefusal(binding, true, 'shop-x', { ...shop, clusterRoles: ['view'] })).toBeUndefined();
    expect(scopeRefusal(rbac('RoleBinding', 'own', { roleRef: { kind: 'Role', name: 'reader' }, subjects: [sa('web', 'shop-x')] }), true, 'shop-x', shop)).toBeUndefined();
  });

  it('refuses a RoleBinding granting to anyone but the namespace\'s ServiceAccounts', () => {
    const role = { roleRef: { kind: 'Role', name: 'reader' } };
    expect(scopeRefusal(rbac('RoleBinding', 'a', { ...role, subjects: [sa('default', 'kube-system')] }), true, 'shop-x', shop)).toBe(
      'app scope rule "subjects": it grants to ServiceAccount kube-system/default, outside namespace shop-x (an app binds only ServiceAccounts of its namespace)',
    );
    expect(scopeRefusal(rbac('RoleBinding', 'b', { ...role, subjects: [{ kind: 'Group', name: 'system:authenticated' }] }), true, 'shop-x', shop)).toMatch(/grants to Group\/system:authenticated, outside namespace shop-x/);
    expect(scopeRefusal(rbac('RoleBinding', 'c', { ...role, subjects: [{ kind: 'User', name: 'alice' }] }), true, 'shop-x', shop)).toMatch(/grants to User\/alice/);
  });

  it('refuses a Role that lets its holder escalate, bind or impersonate; an ordinary Role passes', () => {
    const role = (rules: unknown[]) => rbac('Role', 'r', { rules });
    expect(scopeRefusal(role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }]), true, 'shop-x', shop)).toMatch(/^app scope rule "escalation": it grants escalate or bind on roles/);
    expect(scopeRefusal(role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), true, 'shop-x', shop)).toMatch(/"escalation"/);
    expect(scopeRefusal(role([{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }]), true, 'shop-x', shop)).toMatch(/it grants impersonate/);
    expect(scopeRefusal(role([{ apiGroups: ['', 'apps'], resources: ['configmaps', 'deployments'], verbs: ['*'] }]), true, 'shop-x', shop)).toBeUndefined();
    expect(scopeRefusal({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, true, 'shop-x', shop)).toBeUndefined();
  });
});
