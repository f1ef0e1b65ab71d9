// The mesh bot's Kubernetes permissions, generated from the app registry: a Role and RoleBinding per namespace an
// app may go to, granting the kinds its manifests hold and what a rollout reads (readiness, diagnosis) and
// writes (its own Leases, by name); cluster-scoped kinds only as far as the app's `clusterResources` list;
// a namespace's labels only those of injection (a ValidatingAdmissionPolicy). Nothing cluster-wide is
// writable. Kubernetes RBAC stays the final word: what the registry does not name, the bot cannot do.
import { UserError } from '../errors';
import { namespaceAllowed, type AppEntry, type Registry } from '../apps/registry';
import type { KubeObject } from '../kube/types';
import { groupOf } from '../rollout/scope';
import { MANAGED_BY_LABEL } from '../managed-by';

export interface BotRbacOptions {
  /** Name of every object generated (`mesh-bot`): one bot per name, e.g. a stage's. */
  name?: string;
  /** The Kubernetes group of the bot (EKS access entry): `mesh-bot`. */
  group: string;
  /** Also bind a ServiceAccount (`namespace/name`), e.g. a bot running in a cluster, or the tests' identity. */
  serviceAccount?: { namespace: string; name: string };
  /** Concrete namespaces for apps whose registry entry is a pattern (`shop-*`) or absent (built-in apps). */
  namespaces: string[];
  /** Where the injectors' Services live (autoinject checks they exist). */
  istioNamespace: string;
  /**
   * Mesh's own namespace, where the apps' revision history is kept (one Secret per revision, `mesh-system`):
   * the only Secrets the bot reads and writes, unless an app's manifests hold Secrets.
   */
  historyNamespace?: string;
}

/** A kind an app's manifests hold; `resource` and `clusterScoped` when a CRD of the manifests defines it. */
export interface ManifestKind {
  apiVersion: string;
  kind: string;
  resource?: string;
  clusterScoped?: boolean;
}

/** What one app's manifests hold: apiVersion and kind of each object. */
export interface AppKinds {
  app: AppEntry;
  kinds: ManifestKind[];
  /** Names of the Services its manifests hold: a canary's Lease is per Service (`mesh-canary-<service>`). */
  services?: string[];
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const LABELS = { 'app.kubernetes.io/part-of': 'mesh', [MANAGED_BY_LABEL]: 'mesh-rbac-generate' };
const RBAC = 'rbac.authorization.k8s.io';
/** Apply (create + patch), diff and readiness (get, list, watch), rollback of what newer revisions added (delete). */
const APPLY_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const READ_VERBS = ['get', 'list', 'watch'];
/** Groups no app's objects are granted in, whatever its manifests say: admission configuration is the operator's. */
const NEVER_GROUPS = new Set(['admissionregistration.k8s.io']);

/** Resource names of kinds whose plural is not the lower-cased kind + "s" (Kubernetes and Istio kinds mesh deploys). */
const IRREGULAR_PLURALS: Record<string, string> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  NetworkPolicy: 'networkpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets',
  StorageClass: 'storageclasses',
  PriorityClass: 'priorityclasses',
  RuntimeClass: 'runtimeclasses',
  ResourceQuota: 'resourcequotas',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  AuthorizationPolicy: 'authorizationpolicies',
  RequestAuthentication: 'requestauthentications',
  PeerAuthentication: 'peerauthentications',
  ServiceEntry: 'serviceentries',
  WorkloadEntry: 'workloadentries',
  Telemetry: 'telemetries',
  ProxyConfig: 'proxyconfigs',
  Gateway: 'gateways',
  GatewayClass: 'gatewayclasses',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
};

/** A kind's resource (plural) name, as discovery would give it for Kubernetes' own kinds and Istio's. */
export function resourceOf(kind: string): string {
  if (kind === '*') return '*';
  const known = IRREGULAR_PLURALS[kind];
  if (known) return known;
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/** Kinds Kubernetes serves cluster-scoped that apps commonly carry; any other kind is taken as namespaced. */
const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume', `${RBAC}/ClusterRole`, `${RBAC}/ClusterRoleBinding`,
  'apiextensions.k8s.io/CustomResourceDefinition', 'storage.k8s.io/StorageClass', 'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/IngressClass', 'node.k8s.io/RuntimeClass', 'gateway.networking.k8s.io/GatewayClass',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'apiregistration.k8s.io/APIService', 'certificates.k8s.io/CertificateSigningRequest',
]);
const isClusterScoped = (group: string, kind: string) => CLUSTER_SCOPED.has(`${group}/${kind}`);

/** Mesh's own Leases of an app in each namespace: the rollout lock, the deployment record, a pending approval (and a canary's, per Service). */
export const appLeaseNames = (app: string) => [`mesh-rollout-${app}`, `mesh-deployed-${app}`, `mesh-approval-${app}`];

/** Rules merged by group and verbs, resources sorted: the same input always gives the same YAML. */
function mergeRules(rules: Rule[]): Rule[] {
  const byKey = new Map<string, Rule>();
  for (const rule of rules) {
    const key = JSON.stringify([rule.apiGroups, rule.verbs, rule.resourceNames ?? null]);
    const existing = byKey.get(key);
    if (existing) existing.resources = [...new Set([...existing.resources, ...rule.resources])].sort();
    else byKey.set(key, { ...rule, resources: [...new Set(rule.resources)].sort() });
  }
  return [...byKey.values()];
}

/** Which registry namespaces each app gets Roles in: its literal names, plus `--namespace` names its patterns match. */
export function namespacesOf(app: AppEntry, extra: readonly string[]): { namespaces: string[]; note?: string } {
  const patterns = app.namespaces ?? (app.source.kind === 'git' ? [app.name] : undefined);
  const literal = (patterns ?? []).filter((p) => !p.includes('*'));
  const matched = extra.filter((ns) => (patterns ? namespaceAllowed({ ...app, namespaces: patterns }, ns) : true));
  const namespaces = [...new Set([...literal, ...matched])].sort();
  const open = patterns ? patterns.filter((p) => p.includes('*')) : ['any namespace'];
  const note = open.length > 0 ? `app ${app.name} may go to ${open.join(', ')}: RBAC grants by name, so ${namespaces.length ? `only ${namespaces.join(', ')}` : 'none'} (add others with --namespace)` : undefined;
  return { namespaces, ...(note ? { note } : {}) };
}

function subjects(options: BotRbacOptions): Record<string, string>[] {
  return [
    { apiGroup: RBAC, kind: 'Group', name: options.group },
    ...(options.serviceAccount ? [{ kind: 'ServiceAccount', name: options.serviceAccount.name, namespace: options.serviceAccount.namespace }] : []),
  ];
}

/** The rules of the Role in one namespace for the apps that may go there. */
function namespaceRules(apps: AppKinds[]): Rule[] {
  const rules: Rule[] = [];
  for (const { app, kinds } of apps) {
    for (const { apiVersion, kind, resource, clusterScoped } of kinds) {
      const group = groupOf(apiVersion);
      if (NEVER_GROUPS.has(group) || clusterScoped || isClusterScoped(group, kind)) continue;
      rules.push({ apiGroups: [group], resources: [resource ?? resourceOf(kind)], verbs: APPLY_VERBS });
    }
    if (app.clusterRoles?.length) {
      // A RoleBinding to a ClusterRole needs `bind` on it: only those the registry lists.
      rules.push({ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: [...app.clusterRoles].sort() });
    }
  }
  const leaseNames = [...new Set(apps.flatMap(({ app, services }) => [...appLeaseNames(app.name), ...(services ?? []).map((service) => `mesh-canary-${service}`)]))].sort();
  rules.push(
    // Readiness of workloads and services, failure diagnosis (events), autoinject coverage.
    { apiGroups: [''], resources: ['pods', 'events', 'services'], verbs: READ_VERBS },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: READ_VERBS },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ_VERBS },
    // autoinject's probe: a server-side dry-run pod create (RBAC cannot tell a dry run from a real create; the
    // bot may create Deployments here anyway). The Restart button: the pod template's restart annotation. A shift
    // or canary lists the workloads for their version labels.
    { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'patch'] },
    // shift, canary and their rollback: mesh's own DestinationRule and VirtualService per Service (server-side
    // apply), listed to find another owner's for the same host, deleted when a rollback returns to no routing.
    { apiGroups: ['networking.istio.io'], resources: ['destinationrules', 'virtualservices'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
    // Mesh's own Leases: created (create cannot be limited by name), then read and written by name only.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'patch', 'delete'], resourceNames: leaseNames },
  );
  return mergeRules(rules);
}

/** The cluster-scoped rules: the app namespaces by name, read-only lookups, and the registry's clusterResources. */
function clusterRules(namespaces: string[], apps: AppKinds[]): Rule[] {
  const rules: Rule[] = [
    // Pre-flight reads the target namespace; autoinject patches its injection labels (limited to those labels by
    // the ValidatingAdmissionPolicy below).
    { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'], resourceNames: namespaces },
    // `/mesh apps` lists the deployment records (Leases labelled mesh.io/deployment-record) in every namespace.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list'] },
    // autoinject: which injectors are installed and which namespaces they select.
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['get', 'list'] },
  ];
  // A custom kind's resource name as the CRDs of the manifests define it.
  const defined = new Map(apps.flatMap(({ kinds }) => kinds.filter((k) => k.resource).map((k) => [`${groupOf(k.apiVersion)}/${k.kind}`, k.resource!] as const)));
  for (const { app } of apps) {
    for (const { group, kind } of app.clusterResources ?? []) {
      if (NEVER_GROUPS.has(group)) continue;
      // No delete: a cluster-scoped object (a Namespace, a CRD) takes everything in or of it along.
      rules.push({ apiGroups: [group], resources: [defined.get(`${group}/${kind}`) ?? resourceOf(kind)], verbs: APPLY_VERBS.filter((v) => v !== 'delete') });
    }
  }
  return mergeRules(rules);
}

/** A CEL list literal of strings. */
const celList = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

/** The bot may change a namespace's injection labels and nothing else of it (not pod-security.kubernetes.io/*). */
function namespaceLabelPolicy(name: string, options: BotRbacOptions): KubeObject[] {
  const mutable = ['istio-injection', 'istio.io/rev'];
  const users = options.serviceAccount ? [`system:serviceaccount:${options.serviceAccount.namespace}:${options.serviceAccount.name}`] : [];
  const m = celList(mutable);
  // Every label outside `mutable` keeps its value, none is added or removed; annotations stay as they are.
  const labels =
    `(!has(object.metadata.labels) || object.metadata.labels.all(k, k in ${m} || (has(oldObject.metadata.labels) && k in oldObject.metadata.labels && oldObject.metadata.labels[k] == object.metadata.labels[k]))) && ` +
    `(!has(oldObject.metadata.labels) || oldObject.metadata.labels.all(k, k in ${m} || (has(object.metadata.labels) && k in object.metadata.labels)))`;
  const annotations =
    'has(object.metadata.annotations) == has(oldObject.metadata.annotations) && (!has(object.metadata.annotations) || object.metadata.annotations == oldObject.metadata.annotations)';
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: `${name}-namespace-labels`, labels: LABELS },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['namespaces'] }] },
        matchConditions: [
          { name: 'is-mesh-bot', expression: `${celList([options.group])}.exists(g, g in request.userInfo.groups) || request.userInfo.username in ${celList(users)}` },
        ],
        validations: [
          // Forbidden (403) rather than the default Invalid (422): it is a permission, not a malformed object.
          { expression: labels, reason: 'Forbidden', message: `${options.group} may change only the ${mutable.join(' and ')} labels of a namespace` },
          { expression: annotations, reason: 'Forbidden', message: `${options.group} may not change the annotations of a namespace` },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: `${name}-namespace-labels`, labels: LABELS },
      spec: { policyName: `${name}-namespace-labels`, validationActions: ['Deny'] },
    },
  ];
}

export interface GeneratedRbac {
  /** Not the namespaces themselves: `kubectl delete -f` of the RBAC must not take the apps along. */
  objects: KubeObject[];
  /** The namespaces granted in, which must exist before the RoleBindings are applied. */
  namespaces: string[];
  /** Why an app got fewer namespaces than the registry allows (patterns, built-in apps). */
  notes: string[];
}

/** The bot's RBAC for `apps` (each with the kinds its manifests hold) of `registry`. */
export function generateBotRbac(registry: Pick<Registry, 'source'>, apps: AppKinds[], options: BotRbacOptions): GeneratedRbac {
  const notes: string[] = [];
  const byNamespace = new Map<string, AppKinds[]>();
  for (const entry of apps) {
    const { namespaces, note } = namespacesOf(entry.app, options.namespaces);
    if (note) notes.push(note);
    for (const ns of namespaces) byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), entry]);
  }
  for (const ns of options.namespaces) {
    if (!byNamespace.has(ns)) throw new UserError(`--namespace ${ns}: no app of ${registry.source} may go there`);
  }
  // Kubernetes' own namespaces (kube-system, kube-node-lease, kube-public) are never an app's, whatever the registry says.
  const system = [...byNamespace.keys(), options.historyNamespace ?? ''].find((ns) => ns.startsWith('kube-'));
  if (system) throw new UserError(`${options.namespaces.includes(system) ? `--namespace ${system}` : registry.source}: mesh never grants the bot rights in ${system} (Kubernetes' own namespaces, kube-*)`);
  const namespaces = [...byNamespace.keys()].sort();
  if (namespaces.length === 0) throw new UserError(`${registry.source}: no app has a namespace to grant (name them with --namespace)`);
  const name = options.name ?? 'mesh-bot';
  const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', bindingName: string, namespace?: string): KubeObject => ({
    apiVersion: `${RBAC}/v1`,
    kind,
    metadata: { name: bindingName, ...(namespace ? { namespace } : {}), labels: LABELS },
    roleRef: { apiGroup: RBAC, kind: kind === 'RoleBinding' ? 'Role' : 'ClusterRole', name: bindingName },
    subjects: subjects(options),
  } as KubeObject);
  const role = (roleName: string, namespace: string, rules: Rule[]) =>
    ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: roleName, namespace, labels: LABELS }, rules }) as KubeObject;
  const objects: KubeObject[] = [
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name, labels: LABELS }, rules: clusterRules(namespaces, apps) } as KubeObject,
    binding('ClusterRoleBinding', name),
    ...namespaces.flatMap((ns) => [role(name, ns, namespaceRules(byNamespace.get(ns)!)), binding('RoleBinding', name, ns)]),
    // The revision history: Secrets in mesh's own namespace (their names carry the revision number, so not by name;
    // list: an app's revisions by label; update: a re-run step rewrites its revision; delete: beyond the kept number).
    ...(options.historyNamespace
      ? [role(`${name}-history`, options.historyNamespace, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'update', 'delete'] }]), binding('RoleBinding', `${name}-history`, options.historyNamespace)]
      : []),
    // autoinject checks that an injector's Service exists.
    role(`${name}-injectors`, options.istioNamespace, [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }]),
    binding('RoleBinding', `${name}-injectors`, options.istioNamespace),
    ...namespaceLabelPolicy(name, options),
  ];
  return { objects, namespaces: [...namespaces, ...(options.historyNamespace && !namespaces.includes(options.historyNamespace) ? [options.historyNamespace] : [])], notes };
}

export interface InstallRoleOptions {
  /** The signer of the webhook's serving certificate: EKS `beta.eks.amazonaws.com/app-serving`; a kubeadm/kind cluster `kubernetes.io/kubelet-serving`. */
  signer: string;
  /** Who may install: a group of humans (`mesh-installers`). */
  group: string;
  /** Also bind a ServiceAccount (`namespace/name`), e.g. the tests' identity. */
  serviceAccount?: { namespace: string; name: string };
  /** The webhook's namespace, Secret and configuration name (`mesh webhook install` defaults). */
  namespace: string;
  secret: string;
  configName: string;
}

/**
 * What a human needs once to install mesh's injector (`mesh webhook install`) and to label namespaces
 * (`mesh autoinject enable|disable`): never given to the bot.
 */
export function generateInstallRole(options: InstallRoleOptions): KubeObject[] {
  const name = 'mesh-install';
  const subjectsOf = subjects({ group: options.group, ...(options.serviceAccount ? { serviceAccount: options.serviceAccount } : {}), namespaces: [], istioNamespace: options.namespace });
  return [
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name, labels: LABELS },
      rules: [
        // The webhook's namespace (created when missing), and injection labels on any namespace.
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'create', 'patch'] },
        // The serving certificate: a CSR for one signer, approved by the installer.
        { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
        { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] },
        { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve'], resourceNames: [options.signer] },
        // The injector's MutatingWebhookConfiguration: created, then its caBundle patched; no other.
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['get', 'list', 'create'] },
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['patch'], resourceNames: [options.configName] },
        // autoinject's checks when run by hand: its probe pod (a dry run), coverage.
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'create'] },
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list'] },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list'] },
      ],
    } as KubeObject,
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name, labels: LABELS }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name }, subjects: subjectsOf } as KubeObject,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name, namespace: options.namespace, labels: LABELS },
      rules: [
        // The webhook's key and certificate: one Secret, by name (create cannot be limited by name).
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'], resourceNames: [options.secret] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        // The cluster CA for the caBundle.
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['kube-root-ca.crt'] },
      ],
    } as KubeObject,
    { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name, namespace: options.namespace, labels: LABELS }, roleRef: { apiGroup: RBAC, kind: 'Role', name }, subjects: subjectsOf } as KubeObject,
  ];
}
