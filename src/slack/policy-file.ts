// The policy file (YAML) → Policy, with `file:line` in every error. See infra/policy.example.yaml.
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { UserError } from '../errors';
import { ALL_PERMISSIONS } from '../command/permissions';
import { DEFAULT_POLICY, type Policy, type PolicyRule } from './policy';

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
