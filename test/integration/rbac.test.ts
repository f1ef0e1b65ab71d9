import { parseRegistry } from '../../src/apps';
import { kubeRequest, KubeApiError, serverSideApply } from '../../src/kube';
import { HISTORY_NAMESPACE, meshBot, meshInstaller, type MeshBot } from './rbac-identity';
import { kubeConfig, withNamespace } from './setup/cluster';
import { installWebhook } from '../../src/webhook/install';
import { disable, enable, status } from '../../src/autoinject';
import { deleteWebhookConfig, runId, scopeSelector } from './webhook-support';

// The bot's RBAC as `mesh rbac generate` prints it, on the real API server (RBAC authorizer), asked through
// SubjectAccessReviews for the bot's ServiceAccount and for its EKS-mapped identity (an IAM role in the bot's
// group): every action a deploy of the registry's apps needs is allowed, and what would make the bot a way
// around the cluster's own access control is denied — binding cluster-admin, writing in kube-system or
// kube-node-lease, webhook configurations, Secrets, kubelet-serving approval, pods or Leases cluster-wide.
// The install role (`mesh rbac install-role`) is checked the same way, and by a real `mesh webhook install`.

const admin = kubeConfig();

const APP = '<app>'; // the guestbook namespace of this test
const SHOP = '<shop>'; // the namespace of a Git app whose registry entry lists clusterRoles [view]
const HOME = '<home>'; // where the bot's ServiceAccount lives: not an app namespace

interface Check {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  name?: string;
  /** APP, SHOP, HOME, a real namespace, or omitted for cluster scope / all namespaces. */
  namespace?: string;
  why: string;
}

const allowed: Check[] = [
  // deploy: pre-flight, server-side apply of guestbook's kinds (Deployments, Services), readiness, rollback.
  { verb: 'get', resource: 'namespaces', name: APP, why: 'pre-flight reads the target namespace' },
  ...['services', 'deployments'].flatMap((resource): Check[] =>
    ['get', 'list', 'watch', 'create', 'patch', 'delete'].map((verb) => ({ verb, resource, group: resource === 'services' ? '' : 'apps', namespace: APP, why: "apply, readiness and rollback of the app's kinds" })),
  ),
  ...['pods', 'events'].flatMap((resource): Check[] => ['get', 'list', 'watch'].map((verb) => ({ verb, resource, namespace: APP, why: 'readiness and failure diagnosis' }))),
  { verb: 'watch', resource: 'replicasets', group: 'apps', namespace: APP, why: 'deployment readiness' },
  { verb: 'watch', resource: 'endpointslices', group: 'discovery.k8s.io', namespace: APP, why: 'service readiness' },
  // mesh's own Leases: the rollout lock, the deployment record, a pending approval.
  { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: APP, why: 'first rollout lock' },
  ...['mesh-rollout-guestbook', 'mesh-deployed-guestbook', 'mesh-approval-guestbook'].flatMap((name): Check[] =>
    ['get', 'update', 'delete'].map((verb) => ({ verb, resource: 'leases', group: 'coordination.k8s.io', namespace: APP, name, why: "mesh's own Lease" })),
  ),
  { verb: 'list', resource: 'leases', group: 'coordination.k8s.io', why: 'deployment records for /mesh apps' },
  // autoinject and the Restart button.
  { verb: 'patch', resource: 'namespaces', name: APP, why: 'injection labels (only those: the ValidatingAdmissionPolicy)' },
  { verb: 'list', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', why: 'find injectors' },
  { verb: 'get', resource: 'services', namespace: 'istio-system', name: 'istiod', why: "the injector's Service exists" },
  { verb: 'create', resource: 'pods', namespace: APP, why: 'dry-run probe pod' },
  { verb: 'patch', resource: 'deployments', group: 'apps', namespace: APP, name: 'web', why: 'Restart button' },
  // A Git app listing clusterRoles [view]: RoleBindings (a kind of its manifests) to view, in its namespace.
  { verb: 'create', resource: 'rolebindings', group: 'rbac.authorization.k8s.io', namespace: SHOP, why: "a kind of the app's manifests" },
  { verb: 'bind', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', namespace: SHOP, name: 'view', why: 'clusterRoles: [view]' },
  { verb: 'create', resource: 'configmaps', namespace: SHOP, why: "a kind of the app's manifests" },
  // The revision history: Secrets in mesh's own namespace, and nowhere else.
  ...['get', 'list', 'create', 'update', 'delete'].map((verb): Check => ({ verb, resource: 'secrets', namespace: HISTORY_NAMESPACE, why: 'revision history in mesh-system' })),
];

const forbidden: Check[] = [
  // Granting itself (or anyone) more: the RBAC escalation check.
  { verb: 'create', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io', why: 'cluster-wide bindings' },
  { verb: 'bind', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', name: 'cluster-admin', why: 'bind cluster-admin' },
  { verb: 'bind', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', namespace: SHOP, name: 'cluster-admin', why: 'bind cluster-admin in the namespace that may bind view' },
  { verb: 'bind', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', namespace: SHOP, name: 'edit', why: 'bind a ClusterRole the registry does not list' },
  { verb: 'create', resource: 'rolebindings', group: 'rbac.authorization.k8s.io', namespace: APP, why: 'bindings where the manifests hold none' },
  { verb: 'escalate', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', why: 'escalate' },
  { verb: 'create', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', why: 'new ClusterRoles' },
  { verb: 'impersonate', resource: 'users', why: 'impersonation' },
  { verb: 'impersonate', resource: 'groups', name: 'system:masters', why: 'impersonation' },
  // Kubernetes' own namespaces.
  ...['deployments', 'daemonsets', 'statefulsets'].flatMap((resource): Check[] =>
    ['create', 'patch'].map((verb) => ({ verb, resource, group: 'apps', namespace: 'kube-system', why: 'workloads in kube-system' })),
  ),
  { verb: 'create', resource: 'pods', namespace: 'kube-system', why: 'pods in kube-system' },
  { verb: 'patch', resource: 'namespaces', name: 'kube-system', why: "kube-system's labels (pod security)" },
  { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'mesh-worker', why: "a node's heartbeat Lease" },
  { verb: 'delete', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'mesh-worker', why: "a node's heartbeat Lease" },
  { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-node-lease', why: 'Leases in kube-node-lease' },
  { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-system', name: 'kube-controller-manager', why: "the control plane's leader election" },
  // Nothing cluster-wide that writes, and no Lease but its own.
  { verb: 'create', resource: 'pods', why: 'pods in every namespace' },
  { verb: 'create', resource: 'pods', namespace: 'default', why: 'pods outside its namespaces' },
  { verb: 'create', resource: 'deployments', group: 'apps', namespace: HOME, why: 'workloads outside its namespaces' },
  { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', why: 'Leases in every namespace' },
  { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: APP, name: 'someone-elses-leader-election', why: "a Lease that is not mesh's" },
  { verb: 'create', resource: 'namespaces', why: 'new namespaces (the registry lists no Namespace kind for guestbook)' },
  { verb: 'delete', resource: 'namespaces', name: APP, why: 'deleting namespaces' },
  { verb: 'delete', resource: 'pods', namespace: APP, why: 'deleting pods' },
  { verb: 'create', resource: 'pods', subresource: 'exec', namespace: APP, name: 'web-1', why: 'exec into pods' },
  { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: APP, name: 'default', why: 'minting tokens' },
  // Admission configuration and certificates: the install role's, a human's.
  { verb: 'create', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', why: 'new injectors' },
  { verb: 'patch', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', name: 'mesh-sidecar-injector', why: "even mesh's own webhook" },
  { verb: 'create', resource: 'validatingwebhookconfigurations', group: 'admissionregistration.k8s.io', why: 'other admission hooks' },
  { verb: 'patch', resource: 'validatingadmissionpolicies', group: 'admissionregistration.k8s.io', name: 'mesh-bot-namespace-labels', why: 'lifting its own limit' },
  { verb: 'create', resource: 'certificatesigningrequests', group: 'certificates.k8s.io', why: 'certificates' },
  { verb: 'update', resource: 'certificatesigningrequests', subresource: 'approval', group: 'certificates.k8s.io', name: 'mesh-csr', why: 'approving CSRs' },
  ...['kubernetes.io/kubelet-serving', 'beta.eks.amazonaws.com/app-serving', 'kubernetes.io/kube-apiserver-client'].map(
    (name): Check => ({ verb: 'approve', resource: 'signers', group: 'certificates.k8s.io', name, why: 'approval for a signer' }),
  ),
  // Secrets: none, anywhere (guestbook's manifests hold none).
  { verb: 'list', resource: 'secrets', why: 'cluster-wide secrets' },
  { verb: 'get', resource: 'secrets', namespace: APP, name: 'db-password', why: 'secrets of its own namespace' },
  { verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 'bootstrap-token-abcdef', why: 'secrets of kube-system' },
  { verb: 'get', resource: 'secrets', namespace: 'istio-system', name: 'istio-ca-secret', why: "Istio's CA" },
  { verb: 'get', resource: 'secrets', namespace: HOME, name: 'mesh-bot-token', why: 'secrets of its home' },
  { verb: 'watch', resource: 'secrets', namespace: HISTORY_NAMESPACE, why: 'more than the history needs' },
  { verb: 'get', resource: 'nodes', why: 'nodes' },
  { verb: 'list', resource: 'configmaps', why: 'cluster-wide configmaps' },
  { verb: 'update', resource: 'deployments', subresource: 'scale', group: 'apps', namespace: APP, name: 'web', why: 'not something mesh does' },
];

type Subject = MeshBot['subject'];

async function allows(subject: Subject, check: Check, places: Record<string, string>): Promise<boolean> {
  const place = (value: string | undefined) => (value !== undefined && value in places ? places[value] : value);
  const review = await kubeRequest<{ status: { allowed: boolean } }>(admin, {
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        ...subject,
        resourceAttributes: {
          verb: check.verb, group: check.group ?? '', resource: check.resource, subresource: check.subresource, name: place(check.name), namespace: place(check.namespace),
        },
      },
    },
  });
  return review.status.allowed;
}

const label = (c: Check) =>
  `${c.verb} ${c.group ? `${c.group}/` : ''}${c.resource}${c.subresource ? `/${c.subresource}` : ''}` +
  `${c.name ? ` ${c.name}` : ''}${c.namespace ? ` in ${c.namespace}` : ''} (${c.why})`;

const shopManifests = {
  'app.yaml': [
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\ndata: {a: b}',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: shop-viewers\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: default}',
  ].join('\n---\n'),
};

describe('the bot\'s generated RBAC (mesh rbac generate)', () => {
  const home = withNamespace('rbac');
  const app = withNamespace('rbac-app');
  const shop = withNamespace('rbac-shop');
  let bot: MeshBot;
  const places = () => ({ [APP]: app.name, [SHOP]: shop.name, [HOME]: home.name });

  beforeAll(async () => {
    const registry = parseRegistry(`apps:\n  shop:\n    repository: https://git.example.com/shop.git\n    namespaces: ["rbac-shop-*"]\n    clusterRoles: [view]\n`, 'test registry');
    bot = await meshBot(admin, home.name, [app.name, shop.name], registry, { shop: shopManifests });
  });

  afterAll(() => bot?.cleanup());

  it('has no wildcard, no cluster-wide write but namespaces by name, and no secrets outside mesh-system', () => {
    for (const role of bot.objects.filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')) {
      for (const rule of (role as unknown as { rules: { verbs: string[]; resources: string[]; apiGroups: string[]; resourceNames?: string[] }[] }).rules) {
        expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
        if (role.metadata.namespace !== HISTORY_NAMESPACE) expect(rule.resources).not.toContain('secrets');
        if (role.kind === 'ClusterRole' && rule.verbs.some((v) => !['get', 'list', 'watch'].includes(v))) expect(rule).toMatchObject({ resources: ['namespaces'], resourceNames: [app.name, shop.name] });
      }
    }
  });

  it.each(allowed.map((c) => [label(c), c] as const))('allows the bot to %s', async (_, check) => {
    expect(await allows(bot.subject, check, places())).toBe(true);
  });

  it.each(forbidden.map((c) => [label(c), c] as const))('denies the bot to %s', async (_, check) => {
    expect(await allows(bot.subject, check, places())).toBe(false);
  });

  it('gives the EKS-mapped identity (an IAM role in the bot\'s group) exactly the same answers', async () => {
    for (const check of allowed) expect([label(check), await allows(bot.eksSubject, check, places())]).toEqual([label(check), true]);
    for (const check of forbidden) expect([label(check), await allows(bot.eksSubject, check, places())]).toEqual([label(check), false]);
  });

  it('refuses, with its own token, the takeover of the issue: a ClusterRoleBinding or RoleBinding of cluster-admin', async () => {
    const takeover = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `takeover-${shop.name}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: shop.name }] },
      // In the one namespace where the bot may create RoleBindings (to view): the escalation check still refuses cluster-admin.
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'takeover', namespace: shop.name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: shop.name }] },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${shop.name}-x` } },
    ];
    for (const obj of takeover) {
      const refused = await serverSideApply(bot.kc, obj).catch((e: unknown) => e);
      expect([obj.kind, refused instanceof KubeApiError ? refused.statusCode : refused]).toEqual([obj.kind, 403]);
    }
    // The RoleBinding the registry allows goes through.
    const view = { ...takeover[1]!, metadata: { name: 'shop-viewers', namespace: shop.name }, roleRef: { ...takeover[1]!.roleRef!, name: 'view' } };
    await expect(serverSideApply(bot.kc, view)).resolves.toMatchObject({ metadata: { name: 'shop-viewers' } });
    const secrets = await kubeRequest(bot.kc, { method: 'GET', path: '/api/v1/secrets' }).catch((e: unknown) => e);
    expect((secrets as KubeApiError).statusCode).toBe(403);
  });
});

describe('the install role (mesh rbac install-role)', () => {
  const home = withNamespace('rbac-install');
  const id = runId();
  const configName = `mesh-test-install-role-${id}`;

  afterAll(() => deleteWebhookConfig(admin, configName));

  it('is all mesh webhook install needs: a real install as an identity holding only it (the local cluster signs kubelet-serving)', async () => {
    const installer = await meshInstaller(admin, home.name, { signer: 'kubernetes.io/kubelet-serving', namespace: home.name, configName });
    try {
      const options = { namespace: home.name, service: 'injector', configName, url: 'https://127.0.0.1:1/inject', ipAddresses: ['127.0.0.1'], extraNamespaceSelector: scopeSelector(id) };
      await expect(installWebhook(installer.kc, options)).resolves.toMatchObject({ issued: true, signer: 'kubernetes.io/kubelet-serving' });
      // Again: the stored certificate is kept, the caBundle patched in place.
      await expect(installWebhook(installer.kc, options)).resolves.toMatchObject({ issued: false });
      // And namespace labels by hand (mesh autoinject), in any namespace: status, enable, disable.
      expect((await status(installer.kc, home.name)).ok).toBe(true);
      expect(['enabled', 'already-enabled', 'failed']).toContain((await enable(installer.kc, home.name)).outcome);
      await expect(disable(installer.kc, home.name)).resolves.toMatchObject({ labels: {} });
    } finally {
      await installer.cleanup();
    }
  });

  it('lets a human install the webhook for one signer, never the bot\'s rights', async () => {
    const installer = await meshInstaller(admin, home.name, { signer: 'beta.eks.amazonaws.com/app-serving', namespace: home.name, configName });
    try {
      const places = { [HOME]: home.name };
      const can = (check: Check) => allows(installer.subject, check, places);
      expect(await can({ verb: 'approve', resource: 'signers', group: 'certificates.k8s.io', name: 'beta.eks.amazonaws.com/app-serving', why: '' })).toBe(true);
      // On EKS, no kubelet-serving approval: that would be a system:node:* serving certificate.
      expect(await can({ verb: 'approve', resource: 'signers', group: 'certificates.k8s.io', name: 'kubernetes.io/kubelet-serving', why: '' })).toBe(false);
      expect(await can({ verb: 'patch', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', name: configName, why: '' })).toBe(true);
      expect(await can({ verb: 'patch', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', name: 'istio-sidecar-injector', why: '' })).toBe(false);
      expect(await can({ verb: 'get', resource: 'secrets', namespace: HOME, name: 'sidecar-injector-certs', why: '' })).toBe(true);
      expect(await can({ verb: 'get', resource: 'secrets', namespace: HOME, name: 'other', why: '' })).toBe(false);
      expect(await can({ verb: 'create', resource: 'deployments', group: 'apps', namespace: HOME, why: '' })).toBe(false);
      expect(await can({ verb: 'create', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io', why: '' })).toBe(false);
    } finally {
      await installer.cleanup();
    }
  });
});
