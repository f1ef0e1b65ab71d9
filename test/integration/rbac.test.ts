import { kubeRequest, KubeApiError, serverSideApply } from '../../src/kube';
import { HISTORY_NAMESPACE } from '../../src/rollout/record';
import { meshBot, rbacManifests, type MeshBot } from './rbac-identity';
import { kubeConfig, withNamespace } from './setup/cluster';

// infra/rbac/mesh-bot.yaml on the real API server (RBAC authorizer): bound to a ServiceAccount, every action
// mesh performs is allowed and a list of dangerous ones is denied, asked through SubjectAccessReviews; the
// EKS-mapped identity (a user in group mesh-bot) gets the same answers through the shipped bindings.

const admin = kubeConfig();
const manifests = rbacManifests();

const WEBHOOK_NS = 'istio-system';
const HISTORY_NS = HISTORY_NAMESPACE;
const APP = '<app>'; // replaced by the test namespace: where deploy, inject and autoinject act

interface Check {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  name?: string;
  /** APP (the app namespace), WEBHOOK_NS, or omitted for cluster scope / all namespaces. */
  namespace?: string;
  why: string;
}

const allowed: Check[] = [
  // deploy / inject --apply
  { verb: 'get', resource: 'namespaces', name: APP, why: 'preflight reads the target namespace' },
  { verb: 'create', resource: 'namespaces', why: 'deploy creates a missing target namespace' },
  { verb: 'patch', resource: 'namespaces', name: APP, why: 'server-side apply of the namespace' },
  ...['services', 'deployments', 'statefulsets', 'daemonsets'].flatMap((resource): Check[] =>
    ['create', 'patch', 'get', 'list', 'watch'].map((verb) => ({
      verb,
      resource,
      group: resource === 'services' ? '' : 'apps',
      namespace: APP,
      why: 'server-side apply and readiness of app objects',
    })),
  ),
  ...['pods', 'events'].flatMap((resource): Check[] =>
    ['get', 'list', 'watch'].map((verb) => ({ verb, resource, namespace: APP, why: 'readiness and failure diagnosis' })),
  ),
  ...['services', 'deployments'].map(
    (resource): Check => ({ verb: 'delete', resource, group: resource === 'services' ? '' : 'apps', namespace: APP, why: 'rollback deletes what newer revisions added' }),
  ),
  { verb: 'watch', resource: 'replicasets', group: 'apps', namespace: APP, why: 'deployment readiness' },
  { verb: 'watch', resource: 'endpointslices', group: 'discovery.k8s.io', namespace: APP, why: 'service readiness' },
  { verb: 'list', resource: 'jobs', group: 'batch', namespace: APP, why: 'job readiness' },
  ...['get', 'create', 'update', 'delete'].map(
    (verb): Check => ({ verb, resource: 'leases', group: 'coordination.k8s.io', namespace: APP, why: 'rollout lock' }),
  ),
  { verb: 'list', resource: 'leases', group: 'coordination.k8s.io', why: 'deployment records for /mesh apps' },
  // autoinject
  { verb: 'list', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', why: 'find injectors' },
  { verb: 'create', resource: 'pods', namespace: APP, why: 'dry-run probe pod' },
  { verb: 'patch', resource: 'deployments', group: 'apps', namespace: APP, name: 'web', why: 'Restart button' },
  // webhook install
  ...['create', 'get', 'list', 'watch', 'delete'].map(
    (verb): Check => ({ verb, resource: 'certificatesigningrequests', group: 'certificates.k8s.io', why: 'serving certificate CSR' }),
  ),
  { verb: 'update', resource: 'certificatesigningrequests', subresource: 'approval', group: 'certificates.k8s.io', name: 'mesh-csr', why: 'approve own CSR' },
  ...['kubernetes.io/kubelet-serving', 'beta.eks.amazonaws.com/app-serving'].map(
    (name): Check => ({ verb: 'approve', resource: 'signers', group: 'certificates.k8s.io', name, why: 'approve for the serving signer' }),
  ),
  { verb: 'create', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', why: 'register the injector' },
  { verb: 'patch', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', name: 'mesh-sidecar-injector', why: 'caBundle' },
  { verb: 'get', resource: 'secrets', namespace: WEBHOOK_NS, name: 'sidecar-injector-certs', why: 'stored certificate' },
  { verb: 'patch', resource: 'secrets', namespace: WEBHOOK_NS, name: 'sidecar-injector-certs', why: 'store certificate' },
  { verb: 'create', resource: 'secrets', namespace: WEBHOOK_NS, why: 'first server-side apply of the certificate Secret' },
  { verb: 'get', resource: 'configmaps', namespace: WEBHOOK_NS, name: 'kube-root-ca.crt', why: 'cluster CA for the caBundle' },
  // history: one Secret per revision in mesh's own namespace
  ...['get', 'list', 'create', 'update', 'delete'].map((verb): Check => ({ verb, resource: 'secrets', namespace: HISTORY_NS, why: 'revision history' })),
];

const forbidden: Check[] = [
  { verb: 'list', resource: 'secrets', why: 'cluster-wide secrets' },
  { verb: 'get', resource: 'secrets', namespace: APP, name: 'db-password', why: 'secrets of apps' },
  { verb: 'list', resource: 'secrets', namespace: WEBHOOK_NS, why: 'other secrets of the webhook namespace' },
  { verb: 'watch', resource: 'secrets', namespace: HISTORY_NS, why: 'more than the history needs' },
  { verb: 'get', resource: 'secrets', namespace: WEBHOOK_NS, name: 'istio-ca-secret', why: 'other secrets of the webhook namespace' },
  { verb: 'delete', resource: 'namespaces', name: APP, why: 'deleting namespaces' },
  { verb: 'delete', resource: 'pods', namespace: APP, why: 'deleting pods' },
  { verb: 'create', resource: 'pods', subresource: 'exec', namespace: APP, name: 'web-1', why: 'exec into pods' },
  { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: APP, name: 'default', why: 'minting tokens' },
  { verb: 'create', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io', why: 'granting itself more' },
  { verb: 'create', resource: 'rolebindings', group: 'rbac.authorization.k8s.io', namespace: APP, why: 'granting itself more' },
  { verb: 'escalate', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', name: 'mesh-bot-deploy', why: 'escalate' },
  { verb: 'bind', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', name: 'cluster-admin', why: 'bind' },
  { verb: 'impersonate', resource: 'users', why: 'impersonation' },
  { verb: 'approve', resource: 'signers', group: 'certificates.k8s.io', name: 'kubernetes.io/kube-apiserver-client', why: 'client certificates' },
  { verb: 'approve', resource: 'signers', group: 'certificates.k8s.io', name: 'kubernetes.io/kube-apiserver-client-kubelet', why: 'node client certificates' },
  { verb: 'patch', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', name: 'istio-sidecar-injector', why: "someone else's webhook" },
  { verb: 'delete', resource: 'mutatingwebhookconfigurations', group: 'admissionregistration.k8s.io', name: 'mesh-sidecar-injector', why: 'removing webhooks' },
  { verb: 'create', resource: 'validatingwebhookconfigurations', group: 'admissionregistration.k8s.io', why: 'other admission hooks' },
  { verb: 'get', resource: 'nodes', why: 'nodes' },
  { verb: 'list', resource: 'configmaps', why: 'cluster-wide configmaps' },
  { verb: 'update', resource: 'deployments', subresource: 'scale', group: 'apps', namespace: APP, name: 'web', why: 'not something mesh does' },
];

interface Subject {
  user: string;
  groups: string[];
}

async function allows(subject: Subject, check: Check, appNamespace: string): Promise<boolean> {
  const place = (value: string | undefined) => (value === APP ? appNamespace : value);
  const review = await kubeRequest<{ status: { allowed: boolean } }>(admin, {
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        ...subject,
        resourceAttributes: {
          verb: check.verb,
          group: check.group ?? '',
          resource: check.resource,
          subresource: check.subresource,
          name: place(check.name),
          namespace: place(check.namespace),
        },
      },
    },
  });
  return review.status.allowed;
}

const label = (c: Check) =>
  `${c.verb} ${c.group ? `${c.group}/` : ''}${c.resource}${c.subresource ? `/${c.subresource}` : ''}` +
  `${c.name ? ` ${c.name}` : ''}${c.namespace ? ` in ${c.namespace}` : ''} (${c.why})`;

describe('infra/rbac/mesh-bot.yaml', () => {
  const ns = withNamespace('rbac');
  let bot: MeshBot;
  const eksRole: Subject = { user: 'arn:aws:iam::123456789012:role/mesh-dev-worker', groups: ['mesh-bot', 'system:authenticated'] };

  beforeAll(async () => {
    bot = await meshBot(admin, ns.name);
  });

  afterAll(() => bot?.cleanup());

  it('ships no wildcard verbs or resources and never grants secrets cluster-wide', () => {
    for (const role of manifests.filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')) {
      for (const rule of (role as unknown as { rules: { verbs: string[]; resources: string[]; apiGroups: string[] }[] }).rules) {
        expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
        if (role.kind === 'ClusterRole') expect(rule.resources).not.toContain('secrets');
      }
    }
  });

  it.each(allowed.map((c) => [label(c), c] as const))('allows the service account to %s', async (_, check) => {
    expect(await allows(bot.subject, check, ns.name)).toBe(true);
  });

  it.each(forbidden.map((c) => [label(c), c] as const))('denies the service account to %s', async (_, check) => {
    expect(await allows(bot.subject, check, ns.name)).toBe(false);
  });

  it('gives the EKS-mapped identity (group mesh-bot) exactly the same answers', async () => {
    for (const check of allowed) expect([label(check), await allows(eksRole, check, ns.name)]).toEqual([label(check), true]);
    for (const check of forbidden) expect([label(check), await allows(eksRole, check, ns.name)]).toEqual([label(check), false]);
  });

  it('lets the bot really apply a Service with its own token, and refuses it the secrets list', async () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'guestbook', namespace: ns.name }, spec: { ports: [{ port: 80 }] } };
    await expect(serverSideApply(bot.kc, service)).resolves.toMatchObject({ metadata: { name: 'guestbook' } });
    const refused = await kubeRequest(bot.kc, { method: 'GET', path: '/api/v1/secrets' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KubeApiError);
    expect((refused as KubeApiError).statusCode).toBe(403);
  });
});
