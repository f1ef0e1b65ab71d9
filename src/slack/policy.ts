// Who may run which /mesh command on which namespace, cluster and app. Read-only commands are open unless the
// policy says `readOnly: restricted`; mutating ones are denied unless a rule grants them. Pure: parse + decide.
// The front door knows the cluster and app a command names, not the registry: what it cannot decide travels
// with the job as grants (src/jobs/job.ts), checked once the job has resolved cluster and app.
// Parsing the YAML file lives in ./policy-file, so the Lambda's fast path never loads the YAML library.
import { READ_ONLY_PERMISSIONS, type Permission } from '../command/permissions';
import type { Grant } from '../jobs/job';

export interface PolicyRule {
  name: string;
  users: string[];
  userGroups: string[];
  channels: string[];
  permissions: (Permission | '*')[];
  namespaces: string[];
  /** Registry cluster names, or `*`; none: the default cluster only (where a command naming no cluster goes). */
  clusters: string[];
  /** App names, or `*`; none: every app. A rule naming apps grants no command on a whole namespace (autoinject, restart). */
  apps: string[];
  /** Line in the policy file, for `mesh policy check`. */
  line?: number;
}

/**
 * Namespaces where a deploy needs approval (the two-person rule): which namespaces (globs) on which clusters
 * (none listed: every cluster), who may approve, how many distinct approvals, and for how long a plan waits.
 */
export interface ProtectionRule {
  name: string;
  namespaces: string[];
  clusters: string[];
  /** App names; none: every app. Commands on a whole namespace (autoinject, restart) match every entry. */
  apps: string[];
  approvers: { users: string[]; userGroups: string[] };
  approvals: number;
  validForMs: number;
  line?: number;
}

export interface Policy {
  source: string;
  readOnly: 'open' | 'restricted';
  rules: PolicyRule[];
  protected?: ProtectionRule[];
}

export interface Requester {
  userId: string;
  channelId: string;
  /** Slack user-group ids the user belongs to, when resolved (only needed for rules naming userGroups). */
  userGroups?: readonly string[];
}

/** Where a command acts, as far as the front door knows: the cluster it names, whether it names an app at all. */
export interface CommandTarget {
  /** The `--cluster` given; undefined: the default cluster. */
  cluster?: string;
  /** True for commands on a whole namespace (autoinject, restart) or without a known app. */
  noApp?: boolean;
}

export type Decision =
  | { allowed: true; reason: string; grants?: Grant[] }
  | { allowed: false; missing: string; message: string };

export const DEFAULT_POLICY: Policy = { source: 'built-in default policy', readOnly: 'open', rules: [] };

function globMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

function ruleAppliesTo(rule: PolicyRule, who: Requester): boolean {
  const names = rule.users.length + rule.userGroups.length > 0;
  const isPerson = rule.users.includes(who.userId) || rule.userGroups.some((g) => who.userGroups?.includes(g));
  const inChannel = rule.channels.length === 0 || rule.channels.includes(who.channelId);
  return (!names || isPerson) && inChannel;
}

/** `namespace` undefined means "a namespace not known yet": only a rule granting every namespace ("*") covers it. */
function ruleCovers(rule: PolicyRule, permission: Permission, namespace: string | undefined): boolean {
  const permitted = rule.permissions.includes('*') || rule.permissions.includes(permission);
  const inNamespace = namespace === undefined ? rule.namespaces.includes('*') : rule.namespaces.some((p) => globMatches(p, namespace));
  return permitted && inNamespace;
}

/** What the front door can rule out: a rule naming other clusters than the one named, or apps for an app-less command. */
function ruleReaches(rule: PolicyRule, target: CommandTarget): boolean {
  const named = target.cluster;
  const clusterOk = named === undefined || rule.clusters.length === 0 || rule.clusters.includes('*') || rule.clusters.includes(named);
  const appOk = !target.noApp || rule.apps.length === 0 || rule.apps.includes('*');
  return clusterOk && appOk;
}

/**
 * Allowed when a rule may cover the command; the rules that may are returned as grants, which the job checks
 * against the cluster and app it resolves (a rule without clusters covers the default cluster only).
 */
export function authorize(policy: Policy, who: Requester, permission: Permission, namespace: string | undefined, target: CommandTarget = {}): Decision {
  if (permission === 'help') return { allowed: true, reason: 'help is always open' };
  if (policy.readOnly === 'open' && READ_ONLY_PERMISSIONS.includes(permission)) return { allowed: true, reason: 'read-only commands are open' };
  const rules = policy.rules.filter((r) => ruleAppliesTo(r, who) && ruleCovers(r, permission, namespace) && ruleReaches(r, target));
  if (rules.length > 0) {
    return { allowed: true, reason: `granted by ${rules[0]!.name}`, grants: rules.map((r) => ({ rule: r.name, clusters: r.clusters, apps: r.apps })) };
  }
  const scope = `${namespace === undefined ? 'on every namespace ("*")' : `on namespace "${namespace}"`}${target.cluster ? ` on cluster "${target.cluster}"` : ''}`;
  const missing = `${permission} ${scope}`;
  return {
    allowed: false,
    missing,
    message: `Denied: you need the "${permission}" permission ${scope} in this channel; no rule of the ${policy.source} grants it to <@${who.userId}>.`,
  };
}

/** The protection rules whose namespaces match (clusters are matched by the job, which resolves the default cluster). */
export function protectionsOf(policy: Policy, namespace: string): ProtectionRule[] {
  return (policy.protected ?? []).filter((p) => p.namespaces.some((pattern) => globMatches(pattern, namespace)));
}

export function isApprover(rule: ProtectionRule, who: Pick<Requester, 'userId' | 'userGroups'>): boolean {
  return rule.approvers.users.includes(who.userId) || rule.approvers.userGroups.some((g) => who.userGroups?.includes(g));
}

/** True when a rule naming user groups could change the decision, i.e. resolving groups is worth a call. */
export function policyNamesUserGroups(policy: Policy): boolean {
  return policy.rules.some((r) => r.userGroups.length > 0);
}

/** The built-in console policy: the local console user may do everything. */
export function consolePolicy(userId: string): Policy {
  return {
    source: 'console policy',
    readOnly: 'open',
    rules: [{ name: 'console user', users: [userId], userGroups: [], channels: [], permissions: ['*'], namespaces: ['*'], clusters: ['*'], apps: [] }],
  };
}
