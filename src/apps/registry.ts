// The app registry: which apps mesh knows (the built-in catalog plus the team's Git repositories) and which
// clusters it may deploy to. A YAML file deployed with mesh (MESH_APPS_FILE) or the YAML itself (MESH_APPS),
// like the policy; see infra/apps.example.yaml. Every error names the file and line.
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import { UserError } from '../errors';
import { listApps } from '../rollout/catalog';
import { isDnsLabel } from '../dns-label';
import { isLoopbackHost } from '../loopback';
import { formatGroupKind, type AppScope, type GroupKind } from '../rollout/scope';

/** Where a secret lives; resolved only by the worker, when it fetches, and never logged. */
export type SecretRef = { ssmParameter: string } | { secretsManager: string } | { env: string };

export interface GitCredentials {
  /** HTTP Basic user name sent with the token (GitHub: x-access-token; GitLab: oauth2). */
  username: string;
  token: SecretRef;
}

export type AppSource =
  | { kind: 'builtin' }
  | { kind: 'git'; repository: string; ref: string; path: string; credentials?: GitCredentials };

export interface AppEntry {
  name: string;
  source: AppSource;
  /**
   * Clusters it may go to, by registry name. A Git app without `clusters` may go to the default cluster only
   * (`[]` when no default is named: the door's own cluster only); absent (built-in apps): every cluster.
   */
  clusters?: string[];
  /**
   * Namespaces it may go to, `*` patterns allowed. A Git app without `namespaces` may go to the namespace named
   * like the app only; absent (built-in apps): every namespace.
   */
  namespaces?: string[];
  /** Where its Istio request metrics are (a Prometheus base URL): canary steps are judged by them. */
  prometheus?: string;
  /** Cluster-scoped kinds it may apply (none when absent), e.g. `{group: "", kind: Namespace}`. */
  clusterResources?: GroupKind[];
  /** ClusterRoles its RoleBindings may refer to (none when absent). */
  clusterRoles?: string[];
}

export type ClusterTarget =
  | { kind: 'eks'; clusterName: string; endpoint: string; caData: string; region?: string }
  | { kind: 'context'; context: string; kubeconfig?: string };

export interface ClusterEntry {
  name: string;
  target: ClusterTarget;
}

export interface Registry {
  /** Where it came from, for messages: `built-in`, `MESH_APPS` or the file name. */
  source: string;
  apps: AppEntry[];
  clusters: ClusterEntry[];
  defaultCluster?: string;
}

const NAMESPACE_PATTERN = /^(\*|[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?)$/;
const SHA = /^[0-9a-f]{40}$/;
const REF = /^(?!.*\.\.)(?!\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/;
const LIMIT_KEYS = ['clusters', 'namespaces', 'clusterResources', 'clusterRoles'];
const REPO_KEYS = ['repository', 'ref', 'path', 'credentials', ...LIMIT_KEYS, 'prometheus'];
const KIND = /^(\*|[A-Z][A-Za-z0-9]*)$/;
const GROUP = /^(\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/;
const ROLE_NAME = /^[a-z0-9]([-a-z0-9.:_]*[a-z0-9])?$/;
/** API groups whose kinds no app may ever apply (src/rollout/scope.ts refuses them whatever the registry says). */
const NEVER_GROUPS = ['admissionregistration.k8s.io'];

/**
 * Why a repository URL may not carry credentials, or undefined: a token goes only over https (plain http only to
 * a loopback host, the tests' Git server), since HTTP Basic sends it as it is.
 */
export function refusedCredentialTransport(url: URL): string | undefined {
  if (url.protocol === 'https:' || isLoopbackHost(url.hostname)) return undefined;
  return `sends its credentials over ${url.protocol}// to ${url.host}, in clear text; use an https:// repository URL`;
}

/** The environment variables a Git token may come from: MESH_GIT_* (not the worker's AWS keys, Slack secrets, …). */
export const CREDENTIAL_VARIABLE = /^MESH_GIT_[A-Z0-9_]+$/;
const NOT_CREDENTIAL_VARIABLES = new Set(['MESH_GIT_CACHE_DIR']);

/** Why an environment variable may not hold a Git token, or undefined. */
export function refusedCredentialVariable(variable: string): string | undefined {
  if (CREDENTIAL_VARIABLE.test(variable) && !NOT_CREDENTIAL_VARIABLES.has(variable)) return undefined;
  if (NOT_CREDENTIAL_VARIABLES.has(variable)) return `"${variable}" is a mesh setting, not a token; name a MESH_GIT_<NAME> variable such as MESH_GIT_SHOP_TOKEN`;
  return `"${variable}" is not allowed: a Git token may only come from a MESH_GIT_<NAME> variable (e.g. MESH_GIT_SHOP_TOKEN), so no other secret of the process can be sent as a password`;
}

export function builtinRegistry(): Registry {
  return { source: 'built-in', apps: listApps().map((name) => ({ name, source: { kind: 'builtin' } })), clusters: [] };
}

/** A relative directory inside the repository: no `..`, not absolute, no backslashes. */
export function checkRepositoryPath(path: string): string | undefined {
  if (path === '' || path === '.') return '';
  if (path.startsWith('/') || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '')) return undefined;
  return path.replace(/^\.\//, '');
}

export function parseRegistry(text: string, source: string): Registry {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const at = (node: unknown): string =>
    `${source}:${(node as Node | null)?.range ? lineCounter.linePos((node as Node).range![0]).line : 1}`;
  const problem = doc.errors[0];
  if (problem) throw new UserError(`${source}:${problem.linePos?.[0]?.line ?? 1}: invalid YAML: ${problem.message.split('\n')[0]}`);
  const registry = builtinRegistry();
  registry.source = source;
  const root = doc.contents;
  if (root === null) return registry;
  if (!isMap(root)) throw new UserError(`${at(root)}: the registry must be a mapping with "apps" and "clusters"`);
  const scalar = (node: unknown, what: string): string => {
    const value = (node as { value?: unknown } | null)?.value;
    if (typeof value !== 'string' || value === '') throw new UserError(`${at(node)}: ${what} must be a non-empty string`);
    return value;
  };
  const stringList = (node: unknown, what: string, check: (value: string) => boolean): string[] => {
    const value = (node as Node | null)?.toJSON?.() as unknown;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !check(v))) {
      throw new UserError(`${at(node)}: ${what} must be a list of names`);
    }
    return value as string[];
  };
  const entries = (node: unknown, what: string): [string, Node | null, Node][] => {
    if (!isMap(node)) throw new UserError(`${at(node)}: ${what} must be a mapping of names`);
    return (node as YAMLMap).items.map((pair) => {
      const name = String((pair.key as { value?: unknown })?.value);
      if (!isDnsLabel(name)) throw new UserError(`${at(pair.key)}: "${name}" is not a valid ${what.replace(/s$/, '')} name (a DNS label)`);
      return [name, pair.value as Node | null, pair.key as Node];
    });
  };

  const builtinsLimited = new Set<string>();
  for (const pair of root.items) {
    const key = String((pair.key as { value?: unknown })?.value);
    const value = pair.value as Node | null;
    if (key === 'apps') {
      for (const [name, node, keyNode] of entries(value, 'apps')) {
        const existing = registry.apps.findIndex((a) => a.name === name);
        // A built-in app's entry without a repository gives it limits (it may go anywhere otherwise).
        if (existing >= 0 && registry.apps[existing]!.source.kind === 'builtin' && isMap(node) && !node.has('repository') && !builtinsLimited.has(name)) {
          registry.apps[existing] = limitBuiltin(name, node);
          builtinsLimited.add(name);
          continue;
        }
        if (existing >= 0) throw new UserError(`${at(keyNode)}: app "${name}" is already defined (built-in or above)`);
        registry.apps.push(parseApp(name, node));
      }
    } else if (key === 'clusters') {
      for (const [name, node] of entries(value, 'clusters')) registry.clusters.push(parseCluster(name, node));
    } else if (key === 'defaultCluster') {
      registry.defaultCluster = scalar(value, 'defaultCluster');
      if (!isDnsLabel(registry.defaultCluster)) throw new UserError(`${at(value)}: defaultCluster must be a cluster name`);
    } else {
      throw new UserError(`${at(pair.key)}: unknown registry key "${key}" (expected apps, clusters, defaultCluster)`);
    }
  }
  const known = registry.clusters.map((c) => c.name);
  if (registry.defaultCluster && !known.includes(registry.defaultCluster)) {
    throw new UserError(`${source}: defaultCluster "${registry.defaultCluster}" is not under clusters (${known.join(', ') || 'none'})`);
  }
  for (const app of registry.apps) {
    const unknown = app.clusters?.find((c) => !known.includes(c));
    if (unknown) throw new UserError(`${source}: app "${app.name}" names cluster "${unknown}", which is not under clusters`);
    // The defaults of a Git app: its own namespace, the default cluster (or the door's own) — never everywhere.
    if (app.source.kind === 'git') {
      app.namespaces ??= [app.name];
      app.clusters ??= registry.defaultCluster ? [registry.defaultCluster] : [];
    }
  }
  return registry;

  function parseApp(name: string, node: Node | null): AppEntry {
    if (!isMap(node)) throw new UserError(`${at(node)}: app "${name}" must be a mapping with repository, ref and path`);
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown })?.value);
      if (!REPO_KEYS.includes(key)) throw new UserError(`${at(pair.key)}: app "${name}" has unknown key "${key}" (expected ${REPO_KEYS.join(', ')})`);
    }
    const repository = scalar(node.get('repository', true), `app "${name}" repository`);
    let url: URL;
    try {
      url = new URL(repository);
    } catch {
      throw new UserError(`${at(node.get('repository', true))}: app "${name}" repository "${repository}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UserError(`${at(node.get('repository', true))}: app "${name}" repository must be an http(s) URL (Git smart HTTP)`);
    }
    if (url.username || url.password) {
      throw new UserError(`${at(node.get('repository', true))}: app "${name}" repository must not carry credentials; use "credentials"`);
    }
    const ref = node.has('ref') ? scalar(node.get('ref', true), `app "${name}" ref`) : 'main';
    if (!SHA.test(ref) && !REF.test(ref)) throw new UserError(`${at(node.get('ref', true))}: app "${name}" ref "${ref}" is not a branch, tag or commit`);
    const rawPath = node.has('path') ? scalar(node.get('path', true), `app "${name}" path`) : '.';
    const path = checkRepositoryPath(rawPath.replace(/\/$/, ''));
    if (path === undefined) throw new UserError(`${at(node.get('path', true))}: app "${name}" path "${rawPath}" must be relative, inside the repository (no "..")`);
    const entry: AppEntry = { name, source: { kind: 'git', repository, ref, path } };
    if (node.has('credentials')) {
      const refused = refusedCredentialTransport(url);
      if (refused) throw new UserError(`${at(node.get('repository', true))}: app "${name}" ${refused}`);
      (entry.source as { credentials?: GitCredentials }).credentials = parseCredentials(name, node.get('credentials', true) as Node);
    }
    return withLimits(entry, node);
  }

  function limitBuiltin(name: string, node: YAMLMap): AppEntry {
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown })?.value);
      if (!LIMIT_KEYS.includes(key)) throw new UserError(`${at(pair.key)}: app "${name}" is built-in: its entry may only limit it (${LIMIT_KEYS.join(', ')}), not "${key}"`);
    }
    return withLimits({ name, source: { kind: 'builtin' } }, node);
  }

  function withLimits(entry: AppEntry, node: YAMLMap): AppEntry {
    const name = entry.name;
    if (node.has('clusters')) entry.clusters = stringList(node.get('clusters', true), `app "${name}" clusters`, isDnsLabel);
    if (node.has('namespaces')) entry.namespaces = stringList(node.get('namespaces', true), `app "${name}" namespaces`, (value) => NAMESPACE_PATTERN.test(value));
    if (node.has('clusterResources')) entry.clusterResources = parseGroupKinds(name, node.get('clusterResources', true) as Node | null);
    if (node.has('clusterRoles')) entry.clusterRoles = stringList(node.get('clusterRoles', true), `app "${name}" clusterRoles`, (value) => ROLE_NAME.test(value));
    if (node.has('prometheus')) {
      const prometheus = scalar(node.get('prometheus', true), `app "${name}" prometheus`);
      if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(prometheus)) throw new UserError(`${at(node.get('prometheus', true))}: app "${name}" prometheus "${prometheus}" is not an http(s) URL`);
      entry.prometheus = prometheus;
    }
    return entry;
  }

  function parseGroupKinds(name: string, node: Node | null): GroupKind[] {
    const what = `app "${name}" clusterResources`;
    if (!isSeq(node)) throw new UserError(`${at(node)}: ${what} must be a list of {group, kind}`);
    return node.items.map((item) => {
      const plain = (item as Node | null)?.toJSON?.() as Record<string, unknown> | undefined;
      if (!isMap(item) || !plain) throw new UserError(`${at(item)}: ${what} entries must be mappings {group, kind} (group "" is the core group)`);
      const extra = Object.keys(plain).find((k) => k !== 'group' && k !== 'kind');
      if (extra) throw new UserError(`${at(item)}: ${what} entry has unknown key "${extra}" (expected group, kind)`);
      const { group, kind } = plain;
      if (typeof group !== 'string' || !GROUP.test(group)) throw new UserError(`${at(item)}: ${what} entry needs group: an API group ("" for the core group, "*" for any)`);
      if (typeof kind !== 'string' || !KIND.test(kind)) throw new UserError(`${at(item)}: ${what} entry needs kind: a kind such as Namespace ("*" for any)`);
      if (NEVER_GROUPS.includes(group)) throw new UserError(`${at(item)}: ${what} lists ${formatGroupKind({ group, kind })}, which no app may apply (an operator installs admission configuration)`);
      return { group, kind };
    });
  }

  function parseCredentials(name: string, node: Node): GitCredentials {
    if (!isMap(node)) throw new UserError(`${at(node)}: app "${name}" credentials must be a mapping`);
    const refs = ['ssmParameter', 'secretsManager', 'env'].filter((k) => node.has(k));
    const unknown = node.items.map((p) => String((p.key as { value?: unknown })?.value)).find((k) => ![...refs, 'username'].includes(k));
    if (unknown) throw new UserError(`${at(node)}: app "${name}" credentials has unknown key "${unknown}" (expected username and one of ssmParameter, secretsManager, env)`);
    if (refs.length !== 1) throw new UserError(`${at(node)}: app "${name}" credentials need exactly one of ssmParameter, secretsManager, env`);
    const kind = refs[0]!;
    const id = scalar(node.get(kind, true), `app "${name}" credentials.${kind}`);
    const refusedVariable = kind === 'env' ? refusedCredentialVariable(id) : undefined;
    if (refusedVariable) throw new UserError(`${at(node.get(kind, true))}: app "${name}" credentials.env ${refusedVariable}`);
    const username = node.has('username') ? scalar(node.get('username', true), `app "${name}" credentials.username`) : 'x-access-token';
    return { username, token: { [kind]: id } as SecretRef };
  }

  function parseCluster(name: string, node: Node | null): ClusterEntry {
    if (!isMap(node)) throw new UserError(`${at(node)}: cluster "${name}" must be a mapping with "eks" or "context"`);
    const kinds = ['eks', 'context'].filter((k) => node.has(k));
    const unknown = node.items.map((p) => String((p.key as { value?: unknown })?.value)).find((k) => !['eks', 'context', 'kubeconfig'].includes(k));
    if (unknown || kinds.length !== 1) {
      throw new UserError(`${at(node)}: cluster "${name}" needs exactly one of "eks" (Lambda) or "context" (a kubeconfig context)${unknown ? `; unknown key "${unknown}"` : ''}`);
    }
    if (kinds[0] === 'context') {
      const context = scalar(node.get('context', true), `cluster "${name}" context`);
      const kubeconfig = node.has('kubeconfig') ? scalar(node.get('kubeconfig', true), `cluster "${name}" kubeconfig`) : undefined;
      return { name, target: { kind: 'context', context, ...(kubeconfig ? { kubeconfig } : {}) } };
    }
    const eks = node.get('eks', true) as Node;
    if (!isMap(eks)) throw new UserError(`${at(eks)}: cluster "${name}" eks must be a mapping with name, endpoint and caData`);
    const endpoint = scalar(eks.get('endpoint', true), `cluster "${name}" eks.endpoint`);
    if (!/^https:\/\//.test(endpoint)) throw new UserError(`${at(eks.get('endpoint', true))}: cluster "${name}" eks.endpoint must be an https URL`);
    return {
      name,
      target: {
        kind: 'eks',
        clusterName: scalar(eks.get('name', true), `cluster "${name}" eks.name`),
        endpoint,
        caData: scalar(eks.get('caData', true), `cluster "${name}" eks.caData`),
        ...(eks.has('region') ? { region: scalar(eks.get('region', true), `cluster "${name}" eks.region`) } : {}),
      },
    };
  }
}

/** The registry of this process: MESH_APPS (the YAML), else MESH_APPS_FILE, else the built-in catalog only. */
export function registryFromEnv(env: NodeJS.ProcessEnv): Registry {
  if (env.MESH_APPS) return parseRegistry(env.MESH_APPS, 'MESH_APPS');
  if (env.MESH_APPS_FILE) {
    let text: string;
    try {
      text = readFileSync(env.MESH_APPS_FILE, 'utf8');
    } catch (error) {
      throw new UserError(`MESH_APPS_FILE ${env.MESH_APPS_FILE}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
    }
    return parseRegistry(text, env.MESH_APPS_FILE);
  }
  return builtinRegistry();
}

/** What the app may touch beyond its namespaces, for its rollouts (src/rollout/scope.ts checks it at pre-flight). */
export function scopeOf(app: AppEntry, registry: Pick<Registry, 'source'>): AppScope {
  return { owner: `app ${app.name} (${registry.source})`, clusterResources: app.clusterResources ?? [], clusterRoles: app.clusterRoles ?? [] };
}

/** Whether `namespace` matches one of the app's namespace patterns (`*` matches any run of characters). */
export function namespaceAllowed(app: AppEntry, namespace: string): boolean {
  if (!app.namespaces) return true;
  return app.namespaces.some((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`).test(namespace));
}
