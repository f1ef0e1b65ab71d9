// The bot's RBAC generated from the registry: Roles only in the namespaces apps may go to (by name), the kinds
// their manifests hold, mesh's Leases by name, cluster-scoped kinds only as `clusterResources` lists, and
// nothing else cluster-wide that writes. The SubjectAccessReview matrix on a real API server is in
// test/integration/rbac.test.ts; these check the generated objects themselves.
import { parseRegistry } from '../../src/apps';
import { generateBotRbac, generateInstallRole, resourceOf } from '../../src/rbac';
import type { KubeObject } from '../../src/kube/types';

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
const rulesOf = (o: KubeObject) => (o as unknown as { rules: Rule[] }).rules;

const registry = parseRegistry(
  `apps:
  shop:
    repository: https://git.example.com/team/shop.git
    namespaces: [shop, "shop-*"]
    clusterRoles: [view]
  platform:
    repository: https://git.example.com/team/platform.git
    namespaces: [platform]
    clusterResources: [{group: "", kind: Namespace}, {group: apiextensions.k8s.io, kind: CustomResourceDefinition}]
`,
  'apps.yaml',
);
const app = (name: string) => registry.apps.find((a) => a.name === name)!;
const kinds = [
  { app: app('guestbook'), kinds: [{ apiVersion: 'apps/v1', kind: 'Deployment' }, { apiVersion: 'v1', kind: 'Service' }] },
  {
    app: app('shop'),
    kinds: [
      { apiVersion: 'apps/v1', kind: 'Deployment' }, { apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
      // Never granted, whatever the manifests hold: admission configuration, and cluster-scoped kinds not listed.
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
      { apiVersion: 'v1', kind: 'Namespace' },
    ],
  },
  { app: app('platform'), kinds: [{ apiVersion: 'apps/v1', kind: 'DaemonSet' }, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' }] },
];
const options = { group: 'mesh-bot', namespaces: ['shop-eu'], istioNamespace: 'istio-system', historyNamespace: 'mesh-system' };

describe('mesh rbac generate', () => {
  const { objects, namespaces, notes } = generateBotRbac(registry, kinds, options);
  const find = (kind: string, name: string, namespace?: string) => objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace)!;

  it('gives a Role and RoleBinding in each namespace an app may go to, by name; patterns only for the names given', () => {
    const roles = objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'mesh-bot').map((o) => o.metadata.namespace);
    expect(roles).toEqual(['platform', 'shop', 'shop-eu']);
    // guestbook (built-in) may go anywhere: it is granted in the namespace named, too.
    expect(JSON.stringify(rulesOf(find('Role', 'mesh-bot', 'shop-eu')))).toContain('mesh-rollout-guestbook');
    expect(objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'mesh-bot').map((o) => o.metadata.namespace)).toEqual(roles);
    // The namespaces are named, not generated: deleting the RBAC must not delete the apps.
    expect(namespaces).toEqual([...roles, 'mesh-system']);
    expect(objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
    // guestbook (built-in: any namespace) gets none unless named; shop-* is a pattern: only shop-eu was named.
    expect(notes).toEqual([
      'app guestbook may go to any namespace: RBAC grants by name, so only shop-eu (add others with --namespace)',
      'app shop may go to shop-*: RBAC grants by name, so only shop, shop-eu (add others with --namespace)',
    ]);
    expect(find('RoleBinding', 'mesh-bot', 'shop')).toMatchObject({ subjects: [{ kind: 'Group', name: 'mesh-bot' }] });
  });

  it('grants in a namespace the kinds the manifests hold (plus what a rollout reads), never admission or cluster-scoped kinds', () => {
    const shop = rulesOf(find('Role', 'mesh-bot', 'shop'));
    const writable = new Set(shop.filter((r) => r.verbs.includes('patch') && !r.resourceNames).flatMap((r) => r.apiGroups.map((g) => r.resources.map((res) => `${g}/${res}`))).flat());
    // DestinationRules (and VirtualServices) besides the manifests' kinds: mesh shift and canary write their own.
    expect([...writable].sort()).toEqual(['/configmaps', 'apps/daemonsets', 'apps/deployments', 'apps/statefulsets', 'networking.istio.io/destinationrules', 'networking.istio.io/virtualservices', 'rbac.authorization.k8s.io/rolebindings']);
    expect(JSON.stringify(shop)).not.toMatch(/mutatingwebhook|clusterrolebinding|"namespaces"|secrets|"\*"/);
    // A RoleBinding to a ClusterRole needs bind on it: only those listed.
    expect(shop).toContainEqual({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] });
    expect(JSON.stringify(rulesOf(find('Role', 'mesh-bot', 'platform')))).not.toContain('bind');
  });

  it('reads and writes Secrets only in mesh\'s own namespace (the revision history)', () => {
    const withSecrets = objects.filter((o) => JSON.stringify(o).includes('"secrets"'));
    expect(withSecrets.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['Role mesh-system/mesh-bot-history']);
    expect(find('RoleBinding', 'mesh-bot-history', 'mesh-system')).toMatchObject({ roleRef: { kind: 'Role', name: 'mesh-bot-history' } });
  });

  it('writes mesh\'s own Leases by name only', () => {
    const leases = rulesOf(find('Role', 'mesh-bot', 'shop')).filter((r) => r.resources.includes('leases'));
    expect(leases).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'patch', 'delete'], resourceNames: ['mesh-approval-shop', 'mesh-deployed-shop', 'mesh-rollout-shop'] },
    ]);
  });

  it('writes nothing cluster-wide but the namespaces by name and the clusterResources listed', () => {
    const cluster = rulesOf(find('ClusterRole', 'mesh-bot'));
    const writes = cluster.filter((r) => r.verbs.some((v) => !['get', 'list', 'watch'].includes(v)));
    expect(writes).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'], resourceNames: ['platform', 'shop', 'shop-eu'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
    ]);
    const withoutClusterResources = generateBotRbac(registry, kinds.filter((k) => k.app.name !== 'platform'), { ...options }).objects;
    const plain = rulesOf(withoutClusterResources.find((o) => o.kind === 'ClusterRole')!);
    expect(plain.filter((r) => r.verbs.some((v) => !['get', 'list', 'watch'].includes(v)))).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'], resourceNames: ['shop', 'shop-eu'] },
    ]);
  });

  it('lets the bot change only the injection labels of a namespace (a ValidatingAdmissionPolicy)', () => {
    const policy = find('ValidatingAdmissionPolicy', 'mesh-bot-namespace-labels') as unknown as { spec: { matchConditions: { expression: string }[]; validations: { expression: string }[] } };
    expect(policy.spec.matchConditions[0]!.expression).toContain("['mesh-bot'].exists(g, g in request.userInfo.groups)");
    expect(policy.spec.validations[0]!.expression).toContain("['istio-injection', 'istio.io/rev']");
    expect(find('ValidatingAdmissionPolicyBinding', 'mesh-bot-namespace-labels')).toMatchObject({ spec: { validationActions: ['Deny'] } });
  });

  it('refuses a --namespace no app may go to, and a registry with nothing to grant', () => {
    expect(() => generateBotRbac(registry, kinds.slice(1), { ...options, namespaces: ['kube-system'] })).toThrow('--namespace kube-system: no app of apps.yaml may go there');
    // Even for an app that may go anywhere (built-in), Kubernetes' own namespaces are never granted.
    expect(() => generateBotRbac(registry, kinds, { ...options, namespaces: ['kube-system'] })).toThrow(
      "--namespace kube-system: mesh never grants the bot rights in kube-system (Kubernetes' own namespaces, kube-*)",
    );
    const builtin = parseRegistry('', 'empty.yaml');
    expect(() => generateBotRbac(builtin, [{ app: builtin.apps[0]!, kinds: [] }], { ...options, namespaces: [] })).toThrow('empty.yaml: no app has a namespace to grant (name them with --namespace)');
  });

  it('names resources as discovery does', () => {
    expect(['Deployment', 'Ingress', 'NetworkPolicy', 'AuthorizationPolicy', 'ServiceEntry', 'Endpoints', 'Class', 'Policy'].map(resourceOf)).toEqual([
      'deployments', 'ingresses', 'networkpolicies', 'authorizationpolicies', 'serviceentries', 'endpoints', 'classes', 'policies',
    ]);
  });
});

describe('mesh rbac install-role', () => {
  it('approves for the one signer named (EKS app-serving by default in the CLI), patches only mesh\'s webhook configuration', () => {
    const [role] = generateInstallRole({ signer: 'beta.eks.amazonaws.com/app-serving', group: 'mesh-installers', namespace: 'istio-system', secret: 'sidecar-injector-certs', configName: 'mesh-sidecar-injector' });
    const rules = rulesOf(role!);
    expect(rules.filter((r) => r.resources.includes('signers'))).toEqual([
      { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve'], resourceNames: ['beta.eks.amazonaws.com/app-serving'] },
    ]);
    expect(rules.find((r) => r.resources.includes('mutatingwebhookconfigurations') && r.verbs.includes('patch'))!.resourceNames).toEqual(['mesh-sidecar-injector']);
    expect(JSON.stringify(rules)).not.toMatch(/kubelet-serving|secrets|"\*"/);
  });
});

describe('the CLI', () => {
  it('prints YAML for the built-in registry with -n, and refuses a bad --service-account in one line', async () => {
    const { runCli } = await import('../support/run-cli');
    const out = await runCli(['rbac', 'generate', '-n', 'guestbook', '--service-account', 'mesh/mesh-bot'], { env: {}, cwd: process.cwd() });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^# The mesh bot's Kubernetes permissions for built-in/);
    expect(out.stdout).toContain('kind: ServiceAccount\n    name: mesh-bot\n    namespace: mesh');
    expect(out.stdout).not.toContain('*a1');
    const bad = await runCli(['rbac', 'generate', '--service-account', 'mesh-bot'], { env: {}, cwd: process.cwd() });
    expect([bad.code, bad.stderr]).toEqual([1, 'mesh rbac: --service-account "mesh-bot" must be <namespace>/<name>\n']);
  });
});

describe('mesh rbac generate --cluster', () => {
  it('grants only the apps that may go to that cluster, and refuses a cluster the registry does not name', async () => {
    const { botRbacForRegistry } = await import('../../src/rbac');
    const twoClusters = parseRegistry(
      `clusters:\n  prod: {context: prod}\n  staging: {context: staging}\napps:\n  shop:\n    repository: https://h/shop.git\n    clusters: [staging]\n  pay:\n    repository: https://h/pay.git\n    clusters: [prod]\n`,
      'apps.yaml',
    );
    const load = async (app: { name: string }) => ({ app, files: { 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' } });
    const apps = { registry: twoClusters, load } as unknown as Parameters<typeof botRbacForRegistry>[0];
    const prod = await botRbacForRegistry(apps, { ...options, namespaces: [], cluster: 'prod' });
    expect(prod.objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'mesh-bot').map((o) => o.metadata.namespace)).toEqual(['pay']);
    await expect(botRbacForRegistry(apps, { ...options, namespaces: [], cluster: 'dev' })).rejects.toThrow('--cluster dev: not a cluster of apps.yaml (prod, staging)');
  });
});

describe('what the manifests say besides kinds', () => {
  it("takes a custom kind's resource name and scope from the CRD in the app's manifests, and a canary Lease per Service", async () => {
    const { botRbacForRegistry } = await import('../../src/rbac');
    const withCrds = parseRegistry(
      'apps:\n  widgets:\n    repository: https://h/widgets.git\n    clusterResources: [{group: apiextensions.k8s.io, kind: CustomResourceDefinition}, {group: example.com, kind: Realm}]\n',
      'apps.yaml',
    );
    const crd = (kind: string, plural: string, scope: string) =>
      `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${plural}.example.com\nspec:\n  group: example.com\n  scope: ${scope}\n  names: {kind: ${kind}, plural: ${plural}}\n  versions: []\n---\n`;
    const files = {
      'crds.yaml': crd('Gizmo', 'gizmen', 'Namespaced') + crd('Realm', 'kingdoms', 'Cluster'),
      'objects.yaml': 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n---\napiVersion: example.com/v1\nkind: Realm\nmetadata:\n  name: r\n',
      'service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: front\nspec:\n  ports: [{port: 80}]\n',
    };
    const apps = { registry: withCrds, load: async (app: { name: string }) => ({ app, files }) } as unknown as Parameters<typeof botRbacForRegistry>[0];
    const { objects } = await botRbacForRegistry(apps, { ...options, namespaces: [] });
    const role = rulesOf(objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'widgets')!);
    expect(role).toContainEqual({ apiGroups: ['example.com'], resources: ['gizmen'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] });
    // Realm is cluster-scoped (its CRD says so): not in the namespace's Role, but in the ClusterRole, as clusterResources lists it.
    expect(JSON.stringify(role)).not.toMatch(/kingdoms|realms|gizmos/);
    // A canary of its Service front holds the Lease mesh-canary-front: granted by name with mesh's other Leases.
    expect(role.find((r) => r.resources.includes('leases') && r.resourceNames)!.resourceNames).toEqual(['mesh-approval-widgets', 'mesh-canary-front', 'mesh-deployed-widgets', 'mesh-rollout-widgets']);
    const clusterRole = rulesOf(objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'mesh-bot')!);
    expect(clusterRole).toContainEqual({ apiGroups: ['example.com'], resources: ['kingdoms'], verbs: ['get', 'list', 'watch', 'create', 'patch'] });
    expect(clusterRole).toContainEqual({ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch', 'create', 'patch'] });
  });
});
