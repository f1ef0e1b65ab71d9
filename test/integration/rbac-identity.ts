import { KubeConfig } from '@kubernetes/client-node';
import { parseRegistry, type Registry } from '../../src/apps';
import { appLoader } from '../../src/apps/source';
import { deleteObject, kubeRequest, serverSideApply, type KubeObject } from '../../src/kube';
import { botRbacForRegistry, generateInstallRole } from '../../src/rbac';
import { HISTORY_NAMESPACE } from '../../src/rollout/record';

/**
 * The mesh bot's Kubernetes identity on the local cluster: the RBAC `mesh rbac generate` prints for a registry,
 * applied as the admin, bound (besides the group mesh-bot, as on EKS) to a ServiceAccount, and a KubeConfig
 * that authenticates as that ServiceAccount (a TokenRequest token). Any integration test can run mesh "as the
 * bot" with it. Every object is named after the test's home namespace, so suites running at once do not meet.
 */

export interface MeshBot {
  kc: KubeConfig;
  /** SubjectAccessReview subject of the ServiceAccount. */
  subject: { user: string; groups: string[] };
  /**
   * The EKS-mapped identity of the same bot: an IAM role's ARN in the bot's group. The group is named after the
   * test too: other suites on the shared cluster may bind the shipped group `mesh-bot` to other rights.
   */
  eksSubject: { user: string; groups: string[] };
  /** What was applied (the generated RBAC). */
  objects: KubeObject[];
  /** Removes what was applied (the app namespaces stay to their tests). */
  cleanup(): Promise<void>;
}

/** A ServiceAccount `name` in `namespace`, and a KubeConfig authenticating as it. */
export async function serviceAccountKubeConfig(admin: KubeConfig, namespace: string, name: string): Promise<{ kc: KubeConfig; subject: MeshBot['subject'] }> {
  await serverSideApply(admin, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  const token = await kubeRequest<{ status: { token: string } }>(admin, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ ...admin.getCurrentCluster()!, name: 'local' }, { name, token: token.status.token });
  return {
    kc,
    subject: { user: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] },
  };
}

async function applyAll(admin: KubeConfig, objects: KubeObject[]): Promise<() => Promise<void>> {
  for (const obj of objects) await serverSideApply(admin, obj);
  return async () => {
    for (const obj of [...objects].reverse()) {
      if (obj.kind !== 'Namespace') await deleteObject(admin, obj).catch(() => undefined);
    }
  };
}

/** Mesh's own namespace: the revision history's Secrets. */
export { HISTORY_NAMESPACE };

/**
 * The bot for `registryText` (default: the built-in catalog), granted in `appNamespaces` (`--namespace`), with
 * its ServiceAccount in `home`.
 */
export async function meshBot(
  admin: KubeConfig,
  home: string,
  appNamespaces: string[] = [home],
  registry: Registry = parseRegistry('', 'built-in'),
  /** Files of Git apps by app name, instead of fetching them. */
  gitFiles: Record<string, Record<string, string>> = {},
): Promise<MeshBot> {
  const fetching = appLoader({ env: {}, cacheDir: '/nonexistent' });
  const group = `mesh-bot-${home}`;
  const { objects } = await botRbacForRegistry(
    { registry, load: async (app) => (gitFiles[app.name] ? { app, files: gitFiles[app.name]! } : fetching(app)) },
    { name: `mesh-bot-${home}`, group, namespaces: appNamespaces, istioNamespace: 'istio-system', historyNamespace: HISTORY_NAMESPACE, serviceAccount: { namespace: home, name: 'mesh-bot' } },
  );
  const identity = await serviceAccountKubeConfig(admin, home, 'mesh-bot');
  // Mesh's own namespace and the injectors' (which the cluster without Istio lacks until a webhook suite makes it)
  // are shared by every suite and stay: the bot's Roles there need them.
  for (const name of [HISTORY_NAMESPACE, 'istio-system']) await serverSideApply(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const cleanup = await applyAll(admin, objects);
  const eksSubject = { user: 'arn:aws:iam::123456789012:role/mesh-dev-worker', groups: [group, 'system:authenticated'] };
  return { ...identity, eksSubject, objects, cleanup };
}

/** A human installer with only `mesh rbac install-role` (for `signer`, the webhook in `namespace`), as a ServiceAccount in `home`. */
export async function meshInstaller(
  admin: KubeConfig,
  home: string,
  webhook: { signer: string; namespace: string; configName: string; secret?: string },
): Promise<Omit<MeshBot, 'objects' | 'eksSubject'>> {
  const identity = await serviceAccountKubeConfig(admin, home, 'mesh-installer');
  const objects = generateInstallRole({
    signer: webhook.signer, group: `mesh-installers-${home}`, namespace: webhook.namespace, secret: webhook.secret ?? 'sidecar-injector-certs', configName: webhook.configName,
    serviceAccount: { namespace: home, name: 'mesh-installer' },
  });
  const cleanup = await applyAll(admin, objects);
  return { ...identity, cleanup };
}
