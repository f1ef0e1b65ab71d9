// `mesh policy check`: the policy read together with the app registry — rules that can never match (a cluster
// or app the registry does not know, no app that may go to the rule's namespaces on its clusters) and rules
// that grant more than the registry allows (namespaces or clusters none of their apps may go to). One line per
// finding, with the policy file's line; exit 1 when there is any.
import { readFileSync } from 'node:fs';
import { policySource } from '../config';
import { UserError } from '../errors';
import { registryFromEnv, type AppEntry, type Registry } from '../apps';
import { parsePolicy } from '../slack/policy-file';
import type { Policy, PolicyRule } from '../slack/policy';
import { ALL_PERMISSIONS, type Permission } from '../command/permissions';
import { parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';

/** Permissions of commands on one app (the registry limits where an app may go). */
const APP_PERMISSIONS: readonly Permission[] = ['deploy', 'inject', 'inject-apply', 'plan', 'rollback', 'history', 'status'];
/** Permissions of commands on a whole namespace, which a rule naming apps never grants. */
const NAMESPACE_PERMISSIONS: readonly Permission[] = ['autoinject', 'restart'];
/** The door's own cluster: where a command naming no cluster goes when the registry names no default. */
const OWN = "the door's own cluster";

function memoised(fn: (i: number, j: number) => boolean): (i: number, j: number) => boolean {
  const seen = new Map<string, boolean>();
  const call = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (!seen.has(key)) seen.set(key, fn(i, j));
    return seen.get(key)!;
  };
  return call;
}

/** Whether some namespace matches both `*` patterns. */
export function globsOverlap(a: string, b: string): boolean {
  const overlap = memoised((i, j) => {
    if (i === a.length && j === b.length) return true;
    if (a[i] === '*' && (overlap(i + 1, j) || (j < b.length && overlap(i, j + 1)))) return true;
    if (b[j] === '*' && (overlap(i, j + 1) || (i < a.length && overlap(i + 1, j)))) return true;
    return i < a.length && j < b.length && a[i] === b[j] && a[i] !== '*' && overlap(i + 1, j + 1);
  });
  return overlap(0, 0);
}

/** Whether every namespace `inner` matches, `outer` matches too. */
export function globContains(outer: string, inner: string): boolean {
  const contains = memoised((i, j) => {
    if (i === outer.length) return j === inner.length;
    if (outer[i] === '*') return contains(i + 1, j) || (j < inner.length && contains(i, j + 1));
    return j < inner.length && inner[j] !== '*' && outer[i] === inner[j] && contains(i + 1, j + 1);
  });
  return contains(0, 0);
}

/** Every cluster a command can reach: the registered ones, and the door's own when no default replaces it. */
const everyCluster = (registry: Registry) => new Set([...registry.clusters.map((c) => c.name), ...(registry.defaultCluster ? [] : [OWN])]);

/** Where the rule applies: `*` every cluster; none named: the default cluster only. */
function ruleClusters(rule: PolicyRule, registry: Registry): Set<string> {
  if (rule.clusters.includes('*')) return everyCluster(registry);
  if (rule.clusters.length === 0) return new Set([registry.defaultCluster ?? OWN]);
  return new Set(rule.clusters);
}

/** Where the app may go: built-in apps every cluster; an empty list the door's own. */
function appClusters(app: AppEntry, registry: Registry): Set<string> {
  if (!app.clusters) return everyCluster(registry);
  return new Set(app.clusters.length ? app.clusters : [OWN]);
}

const appNamespaces = (app: AppEntry) => app.namespaces ?? ['*'];

function describeApp(app: AppEntry): string {
  return `${app.name}: namespaces ${appNamespaces(app).join(', ')}; clusters ${app.clusters ? (app.clusters.join(', ') || OWN) : 'every one'}`;
}

function ruleFindings(rule: PolicyRule, registry: Registry): string[] {
  const findings: string[] = [];
  const known = new Set(registry.clusters.map((c) => c.name));
  for (const c of rule.clusters.filter((c) => c !== '*' && !known.has(c))) findings.push(`names cluster "${c}", which ${registry.source} does not register, so it never matches there`);
  const appNames = new Set(registry.apps.map((a) => a.name));
  for (const a of rule.apps.filter((a) => a !== '*' && !appNames.has(a))) findings.push(`names app "${a}", which ${registry.source} does not register, so it never matches it`);
  const permissions = rule.permissions.includes('*') ? ALL_PERMISSIONS : (rule.permissions as Permission[]);
  const namesApps = rule.apps.length > 0 && !rule.apps.includes('*');
  const forApps = permissions.filter((p) => APP_PERMISSIONS.includes(p));
  if (namesApps && permissions.every((p) => NAMESPACE_PERMISSIONS.includes(p))) {
    findings.push(`grants only ${permissions.join(', ')}, which act on a whole namespace, while naming apps: it never matches`);
  }
  if (forApps.length === 0) return findings;
  const apps = registry.apps.filter((a) => !namesApps || rule.apps.includes(a.name));
  const clusters = ruleClusters(rule, registry);
  const reachable = apps.filter((app) => {
    const where = appClusters(app, registry);
    return [...clusters].some((c) => where.has(c)) && rule.namespaces.some((p) => appNamespaces(app).some((q) => globsOverlap(p, q)));
  });
  if (reachable.length === 0) {
    const which = apps.length ? apps.map(describeApp).join(' | ') : 'no registered app';
    findings.push(`${forApps.join(', ')} can never match: no app it covers may go to namespaces ${rule.namespaces.join(', ')} on ${[...clusters].join(', ')} (${which})`);
    return findings;
  }
  // More than the registry allows: judged against the Git apps, whose limits the operator wrote (built-in apps
  // may go anywhere but hold only namespaced objects).
  const limited = apps.filter((a) => a.source.kind === 'git');
  if (limited.length === 0) return findings;
  const wider = rule.namespaces.filter((p) => !limited.some((app) => appNamespaces(app).some((q) => globContains(q, p))));
  if (wider.length > 0) {
    findings.push(`grants ${forApps.join(', ')} on namespaces ${wider.map((p) => `"${p}"`).join(', ')}, more than its apps may go to (${limited.map(describeApp).join(' | ')})`);
  }
  const beyond = [...clusters].filter((c) => !limited.some((app) => appClusters(app, registry).has(c)));
  if (beyond.length > 0) {
    findings.push(`grants ${forApps.join(', ')} on ${beyond.map((c) => (c === OWN ? c : `cluster "${c}"`)).join(', ')}, where none of its apps may go (${limited.map(describeApp).join(' | ')})`);
  }
  return findings;
}

/** Every finding as `<policy>:<line>: rule "<name>": …`, in file order. */
export function checkPolicy(policy: Policy, registry: Registry): string[] {
  const lines: string[] = [];
  const at = (line: number | undefined) => `${policy.source}${line ? `:${line}` : ''}`;
  for (const rule of policy.rules) for (const f of ruleFindings(rule, registry)) lines.push(`${at(rule.line)}: rule "${rule.name}": ${f}`);
  const known = new Set(registry.clusters.map((c) => c.name));
  const appNames = new Set(registry.apps.map((a) => a.name));
  for (const entry of policy.protected ?? []) {
    for (const c of entry.clusters.filter((c) => !known.has(c))) {
      lines.push(`${at(entry.line)}: protected entry "${entry.name}": names cluster "${c}", which ${registry.source} does not register (on a cluster without a registry name it refuses every change to its namespaces)`);
    }
    for (const a of entry.apps.filter((a) => !appNames.has(a))) lines.push(`${at(entry.line)}: protected entry "${entry.name}": names app "${a}", which ${registry.source} does not register, so it never protects it`);
  }
  return lines;
}

function readPolicy(file: string | undefined, env: NodeJS.ProcessEnv): Policy {
  const source = file === undefined ? policySource(env) : { file };
  if (source && 'yaml' in source) return parsePolicy(source.yaml, source.origin);
  const path = source?.file;
  if (!path) throw new UserError('no policy to check: give --policy <file> or set MESH_POLICY_FILE (or MESH_POLICY)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`${path}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
  }
  return parsePolicy(text, path);
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('policy', args, { policy: { type: 'string' }, apps: { type: 'string' } }, true);
  refuseEmptyValues('policy', values);
  if (positionals[0] !== 'check' || positionals.length > 1) throw new UserError('usage: mesh policy check [--policy <file>] [--apps <file>]');
  const env = values.apps ? { MESH_APPS_FILE: values.apps } : io.env;
  const registry = registryFromEnv(env);
  const policy = readPolicy(values.policy, io.env);
  const findings = checkPolicy(policy, registry);
  if (findings.length === 0) {
    io.stdout(`${policy.source}: ${policy.rules.length} rule(s) and ${(policy.protected ?? []).length} protected entr(y/ies) checked against ${registry.source}: no findings\n`);
    return 0;
  }
  io.stdout(`${findings.join('\n')}\n${findings.length} finding(s) in ${policy.source} against ${registry.source}\n`);
  return 1;
}
