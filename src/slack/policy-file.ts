// The policy file (YAML) → Policy, with `file:line` in every error. See infra/policy.example.yaml.
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { UserError } from '../errors';
import { ALL_PERMISSIONS } from '../command/permissions';
import { DEFAULT_POLICY, type Policy, type PolicyRule, type ProtectionRule } from './policy';
import { isDnsLabel } from '../dns-label';

const RULE_KEYS = ['name', 'users', 'userGroups', 'channels', 'permissions', 'namespaces', 'clusters', 'apps'] as const;
const SLACK_ID = /^[A-Z0-9]{2,32}$/;
const NAMESPACE_PATTERN = /^(\*|[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?)$/;

export function parsePolicy(text: string, source: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  const where = (node: Node | null | undefined): string => `${source}:${lineOf(node)}`;
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
      value.items.forEach((item, index) => policy.rules.push({ ...parseRule(item as Node, index, where), line: lineOf(item as Node) }));
    } else if (key === 'protected') {
      if (!isSeq(value)) throw new UserError(`${where(value)}: protected must be a list`);
      policy.protected = value.items.map((item, index) => ({ ...parseProtection(item as Node, index, where), line: lineOf(item as Node) }));
    } else {
      throw new UserError(`${where(pair.key as Node)}: unknown policy key "${key}" (expected readOnly, rules, protected)`);
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
    clusters: list('clusters', (v) => v === '*' || isDnsLabel(v), 'a registered cluster name or "*"'),
    apps: list('apps', (v) => v === '*' || isDnsLabel(v), 'an app name or "*"'),
  };
  if (rule.users.length + rule.userGroups.length + rule.channels.length === 0) {
    throw new UserError(`${where(node)}: rule ${index + 1} names no users, userGroups or channels, so it would grant everyone`);
  }
  if (rule.permissions.length === 0) throw new UserError(`${where(node)}: rule ${index + 1} grants no permissions`);
  if (rule.namespaces.length === 0) throw new UserError(`${where(node)}: rule ${index + 1} lists no namespaces (use "*" for all)`);
  return rule;
}

const PROTECTION_KEYS = ['name', 'namespaces', 'clusters', 'apps', 'approvers', 'approvals', 'validFor'] as const;
const MAX_VALIDITY_MS = 7 * 24 * 3_600_000;

/** "30m", "2h", "1h30m", "90s", "1d". */
export function parseValidity(text: string): number | undefined {
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (!/^(\d+[smhd])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhd])/g)) total += Number(n) * units[unit!]!;
  return total > 0 ? total : undefined;
}

function parseProtection(node: Node, index: number, where: (node: Node | null | undefined) => string): ProtectionRule {
  const what = `protected entry ${index + 1}`;
  if (!isMap(node)) throw new UserError(`${where(node)}: ${what} must be a mapping`);
  const plain = node.toJSON() as Record<string, unknown>;
  const at = (key: string) => where((node.get(key, true) as Node | undefined) ?? node);
  for (const key of Object.keys(plain)) {
    if (!(PROTECTION_KEYS as readonly string[]).includes(key)) throw new UserError(`${at(key)}: ${what} has unknown key "${key}" (expected ${PROTECTION_KEYS.join(', ')})`);
  }
  const list = (raw: unknown, key: string, check: (v: string) => boolean, expected: string, atLine: string): string[] => {
    if (raw === undefined) return [];
    if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) throw new UserError(`${atLine}: ${what} ${key} must be a list of strings`);
    const bad = (raw as string[]).find((v) => !check(v));
    if (bad !== undefined) throw new UserError(`${atLine}: ${what} ${key} has "${bad}", expected ${expected}`);
    return raw as string[];
  };
  const namespaces = list(plain.namespaces, 'namespaces', (v) => NAMESPACE_PATTERN.test(v), 'a namespace or a pattern with *', at('namespaces'));
  if (namespaces.length === 0) throw new UserError(`${at('namespaces')}: ${what} lists no namespaces`);
  const approversNode = node.get('approvers', true) as Node | undefined;
  const approversAt = where(approversNode ?? node);
  const approvers = plain.approvers as Record<string, unknown> | undefined;
  if (approvers === undefined || typeof approvers !== 'object' || Array.isArray(approvers) || approvers === null) {
    throw new UserError(`${approversAt}: ${what} needs approvers: {users: [U…], userGroups: [S…]}`);
  }
  const unknown = Object.keys(approvers).find((k) => k !== 'users' && k !== 'userGroups');
  if (unknown) throw new UserError(`${approversAt}: ${what} approvers has unknown key "${unknown}" (expected users, userGroups)`);
  const users = list(approvers.users, 'approvers.users', (v) => SLACK_ID.test(v), 'a Slack user id like U0123ABCD', approversAt);
  const userGroups = list(approvers.userGroups, 'approvers.userGroups', (v) => SLACK_ID.test(v), 'a Slack user-group id like S0123ABCD', approversAt);
  if (users.length + userGroups.length === 0) throw new UserError(`${approversAt}: ${what} names no approvers, so nothing could ever be deployed there`);
  const approvals = plain.approvals ?? 1;
  if (typeof approvals !== 'number' || !Number.isInteger(approvals) || approvals < 1 || approvals > 10) {
    throw new UserError(`${at('approvals')}: ${what} approvals must be a whole number from 1 to 10`);
  }
  if (userGroups.length === 0 && approvals > users.length) {
    throw new UserError(`${at('approvals')}: ${what} needs ${approvals} approvals but names only ${users.length} approver(s)`);
  }
  const validFor = plain.validFor ?? '1h';
  const validForMs = typeof validFor === 'string' ? parseValidity(validFor) : undefined;
  if (validForMs === undefined || validForMs > MAX_VALIDITY_MS) {
    throw new UserError(`${at('validFor')}: ${what} validFor must be a duration such as 30m, 2h or 1d (at most 7d)`);
  }
  return {
    name: typeof plain.name === 'string' ? plain.name : `protected entry ${index + 1}`,
    namespaces,
    clusters: list(plain.clusters, 'clusters', isDnsLabel, 'a registered cluster name', at('clusters')),
    apps: list(plain.apps, 'apps', isDnsLabel, 'an app name', at('apps')),
    approvers: { users, userGroups },
    approvals,
    validForMs,
  };
}
