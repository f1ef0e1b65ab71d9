// What a rollout may touch inside its cluster, beyond the objects of its own namespace — Argo CD's AppProject
// as the model: cluster-scoped kinds only when listed (`clusterResourceWhitelist`, empty by default), and some
// namespaced objects refused (`namespaceResourceBlacklist`) because they reach past the namespace. Pure: the
// pre-flight (src/rollout/preflight.ts) asks it for every object before anything is dry-run or applied, so an
// app repository's writer cannot turn a namespace-scoped grant into a cluster takeover.
import type { KubeObject } from '../kube/types';
import { kindSlashName } from '../object-name';

/** An API group and kind; `*` in either matches any. The core group is "". */
export interface GroupKind {
  group: string;
  kind: string;
}

/** The registry's limits for one app (src/apps/registry.ts), carried in the rollout's state. */
export interface AppScope {
  /** Whose limits, for messages: `app shop (apps.yaml)`. */
  owner: string;
  /** Cluster-scoped kinds it may apply; none by default. */
  clusterResources: GroupKind[];
  /** ClusterRoles its RoleBindings (and ClusterRoleBindings, if those are allowed) may refer to; none by default. */
  clusterRoles: string[];
}

/** Every rule lifted for one run: `mesh deploy --allow-cluster-resources`, which runs as the user. */
export interface UnrestrictedScope {
  unrestricted: string;
}

export type RolloutScope = AppScope | UnrestrictedScope;

/** What a rollout without a scope in its state may touch: nothing beyond its namespace (fail closed). */
export const NO_EXTRA_SCOPE: AppScope = { owner: 'this rollout', clusterResources: [], clusterRoles: [] };

const RBAC = 'rbac.authorization.k8s.io';
const ADMISSION = 'admissionregistration.k8s.io';

export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

export const formatGroupKind = (gk: GroupKind): string => (gk.group ? `${gk.group}/${gk.kind}` : gk.kind);

export function groupKindMatches(pattern: GroupKind, gk: GroupKind): boolean {
  return (pattern.group === '*' || pattern.group === gk.group) && (pattern.kind === '*' || pattern.kind === gk.kind);
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

const anyOf = (values: string[] | undefined, ...names: string[]) =>
  (values ?? []).some((v) => v === '*' || names.includes(v) || names.some((n) => v.startsWith(`${n}/`)));

/** A Role rule that lets its holder go past its own grants: escalate or bind roles, or impersonate. */
function escalation(rule: PolicyRule): string | undefined {
  if (anyOf(rule.verbs, 'escalate', 'bind') && anyOf(rule.apiGroups, RBAC) && anyOf(rule.resources, 'roles', 'clusterroles')) {
    return 'escalate or bind on roles (its holder could grant itself any ClusterRole)';
  }
  if (anyOf(rule.verbs, 'impersonate') && anyOf(rule.apiGroups, '', 'authentication.k8s.io') && anyOf(rule.resources, 'users', 'groups', 'serviceaccounts', 'uids', 'userextras')) {
    return 'impersonate (its holder could act as another identity)';
  }
  return undefined;
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

/**
 * Why the rollout may not apply `obj` (already placed in `namespace`), naming the rule; undefined when it may.
 * `namespaced` is the API server's answer for the kind. An absent scope is the default: nothing beyond the
 * namespace.
 */
export function scopeRefusal(obj: KubeObject, namespaced: boolean, namespace: string, scope: RolloutScope | undefined): string | undefined {
  const limits = scope ?? NO_EXTRA_SCOPE;
  if ('unrestricted' in limits) return undefined;
  const gk = { group: groupOf(obj.apiVersion), kind: obj.kind };
  if (gk.group === ADMISSION) {
    return `app scope rule "admission": ${formatGroupKind(gk)} is never applied by an app (admission webhooks and policies see or change every object of the cluster); an operator installs it`;
  }
  if (!namespaced && !limits.clusterResources.some((p) => groupKindMatches(p, gk))) {
    const listed = limits.clusterResources.length ? limits.clusterResources.map(formatGroupKind).join(', ') : 'none by default';
    return `app scope rule "clusterResources": ${formatGroupKind(gk)} is cluster-scoped and ${limits.owner} may not apply it (clusterResources: ${listed})`;
  }
  if (gk.group !== RBAC) return undefined;
  if (obj.kind === 'RoleBinding' || obj.kind === 'ClusterRoleBinding') {
    const roleRef = (obj.roleRef ?? {}) as { kind?: string; name?: string };
    if (roleRef.kind === 'ClusterRole' && !limits.clusterRoles.includes(String(roleRef.name))) {
      const listed = limits.clusterRoles.length ? limits.clusterRoles.join(', ') : 'none by default';
      return `app scope rule "clusterRoles": it binds ClusterRole ${String(roleRef.name)}, which ${limits.owner} may not bind (clusterRoles: ${listed})`;
    }
    const outside = ((obj.subjects ?? []) as Subject[]).find((s) => s.kind !== 'ServiceAccount' || (s.namespace ?? namespace) !== namespace);
    if (outside) {
      const who = outside.kind === 'ServiceAccount' ? `ServiceAccount ${outside.namespace}/${outside.name}` : kindSlashName({ kind: String(outside.kind), name: outside.name });
      return `app scope rule "subjects": it grants to ${who}, outside namespace ${namespace} (an app binds only ServiceAccounts of its namespace)`;
    }
  }
  if (obj.kind === 'Role' || obj.kind === 'ClusterRole') {
    const reason = ((obj.rules ?? []) as PolicyRule[]).map(escalation).find(Boolean);
    if (reason) return `app scope rule "escalation": it grants ${reason}`;
  }
  return undefined;
}
