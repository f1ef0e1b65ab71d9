// Who may run which /mesh command on which namespace. Read-only commands are open unless the policy says
// `readOnly: restricted`; mutating ones are denied unless a rule grants them. Pure: parse + decide.
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { UserError } from '../errors';
import { ALL_PERMISSIONS, READ_ONLY_PERMISSIONS, type Permission } from '../command/permissions';

export interface PolicyRule {
  name: string;
  users: string[];
  userGroups: string[];
  channels: string[];
  permissions: (Permission | '*')[];
  namespaces: string[];
}

export interface Policy {
  source: string;
  readOnly: 'open' | 'restricted';
  rules: PolicyRule[];
}

export interface Requester {
  userId: string;
  channelId: string;
  /** Slack user-group ids the user belongs to, when resolved (only needed for rules naming userGroups). */
  userGroups?: readonly string[];
}

export type Decision =
  | { allowed: true; reason: string }
  | { allowed: false; missing: string; message: string };

export const DEFAULT_POLICY: Policy = { source: 'built-in default policy', readOnly: 'open', rules: [] };

const RULE_KEYS = ['name', 'users', 'userGroups', 'channels', 'permissions', 'namespaces'] as const;
const SLACK_ID = /^[A-Z0-9]{2,32}$/;
const NAMESPACE_PATTERN = /^(\*|[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?)$/;

export function parsePolicy(text: string, source: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const where = (node: Node | null | undefined): string =>
    `${source}:${node?.range ? lineCounter.linePos(node.range[0]).line : 1}`;
  const problem = doc.errors[0];
  if (problem) throw new UserError(`${source}:${problem.linePos?.[0]?.line ?? 1}: invalid YAML: ${problem.message.split('\n')[0]}`);
  const root = doc.contents;
  if (root === null) return { ...DEFAULT_POLICY, source };
  if (!isMap(root)) throw new UserError(`${where(root)}: the policy must be a mapping with "readOnly" and "rules"`);

  const policy: Policy = { source, readOnly: 'open', rules: [] };
  for (const pair of root.items) {
    const key = String((pair.key as { value?: unknown })?.value);
    const value = pair.value as Node | null;
    if (key === 'readOnly') {
      const mode = (value as { value?: unknown } | null)?.value;
      if (mode !== 'open' && mode !== 'restricted') throw new UserError(`${where(value)}: readOnly must be "open" or "restricted"`);
      policy.readOnly = mode;
    } else if (key === 'rules') {
      if (!isSeq(value)) throw new UserError(`${where(value)}: rules must be a list`);
      value.items.forEach((item, index) => policy.rules.push(parseRule(item as Node, index, where)));
    } else {
      throw new UserError(`${where(pair.key as Node)}: unknown policy key "${key}" (expected readOnly, rules)`);
    }
  }
  return policy;
}

function parseRule(node: Node, index: number, where: (node: Node | null | undefined) => string): PolicyRule {
  if (!isMap(node)) throw new UserError(`${where(node)}: rule ${index + 1} must be a mapping`);
  const plain = node.toJSON() as Record<string, unknown>;
  for (const key of Object.keys(plain)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) {
      throw new UserError(`${where(node.get(key, true) as Node)}: rule ${index + 1} has unknown key "${key}" (expected ${RULE_KEYS.join(', ')})`);
    }
  }
  const list = (key: string, check: (v: string) => boolean, expected: string): string[] => {
    const raw = plain[key] ?? [];
    const at = where((node.get(key, true) as Node | undefined) ?? node);
    if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) throw new UserError(`${at}: rule ${index + 1} ${key} must be a list of strings`);
    const bad = (raw as string[]).find((v) => !check(v));
    if (bad !== undefined) throw new UserError(`${at}: rule ${index + 1} ${key} has "${bad}", expected ${expected}`);
    return raw as string[];
  };
  const rule: PolicyRule = {
    name: typeof plain.name === 'string' ? plain.name : `rule ${index + 1}`,
    users: list('users', (v) => SLACK_ID.test(v), 'a Slack user id like U0123ABCD'),
    userGroups: list('userGroups', (v) => SLACK_ID.test(v), 'a Slack user-group id like S0123ABCD'),
    channels: list('channels', (v) => SLACK_ID.test(v), 'a Slack channel id like C0123ABCD'),
    permissions: list('permissions', (v) => v === '*' || (ALL_PERMISSIONS as string[]).includes(v), `one of *, ${ALL_PERMISSIONS.join(', ')}`) as PolicyRule['permissions'],
    namespaces: list('namespaces', (v) => NAMESPACE_PATTERN.test(v), 'a namespace or a pattern with *'),
  };
  if (rule.users.length + rule.userGroups.length + rule.channels.length === 0) {
    throw new UserError(`${where(node)}: rule ${index + 1} names no users, userGroups or channels, so it would grant everyone`);
  }
  if (rule.permissions.length === 0) throw new UserError(`${where(node)}: rule ${index + 1} grants no permissions`);
  if (rule.namespaces.length === 0) throw new UserError(`${where(node)}: rule ${index + 1} lists no namespaces (use "*" for all)`);
  return rule;
}

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

export function authorize(policy: Policy, who: Requester, permission: Permission, namespace: string | undefined): Decision {
  if (permission === 'help') return { allowed: true, reason: 'help is always open' };
  if (policy.readOnly === 'open' && READ_ONLY_PERMISSIONS.includes(permission)) return { allowed: true, reason: 'read-only commands are open' };
  const rule = policy.rules.find((r) => ruleAppliesTo(r, who) && ruleCovers(r, permission, namespace));
  if (rule) return { allowed: true, reason: `granted by ${rule.name}` };
  const scope = namespace === undefined ? 'on every namespace ("*")' : `on namespace "${namespace}"`;
  const missing = `${permission} ${scope}`;
  return {
    allowed: false,
    missing,
    message: `Denied: you need the "${permission}" permission ${scope} in this channel; no rule of the ${policy.source} grants it to <@${who.userId}>.`,
  };
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
    rules: [{ name: 'console user', users: [userId], userGroups: [], channels: [], permissions: ['*'], namespaces: ['*'] }],
  };
}
