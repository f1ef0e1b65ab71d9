import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { deleteObject, kubeRequest, serverSideApply, type KubeObject } from '../../src/kube';

/**
 * The mesh bot's Kubernetes identity on the local cluster: infra/rbac/mesh-bot.yaml applied, its roles bound
 * to a ServiceAccount, and a KubeConfig that authenticates as that ServiceAccount (a TokenRequest token).
 * Any integration test can run mesh "as the bot" with it.
 */

export const RBAC_MANIFEST = path.resolve(__dirname, '../../infra/rbac/mesh-bot.yaml');

export function rbacManifests(): KubeObject[] {
  return parseAllDocuments(readFileSync(RBAC_MANIFEST, 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((obj): obj is KubeObject => obj !== null);
}

export interface MeshBot {
  kc: KubeConfig;
  /** SubjectAccessReview subject of the ServiceAccount. */
  subject: { user: string; groups: string[] };
  /** Removes the bindings made for this ServiceAccount (the roles stay, as shipped). */
  cleanup(): Promise<void>;
}

export async function meshBot(admin: KubeConfig, namespace: string): Promise<MeshBot> {
  const roles = rbacManifests();
  for (const obj of roles) await serverSideApply(admin, obj);
  await serverSideApply(admin, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'mesh-bot', namespace } });
  const bindings = roles
    .filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')
    .map(
      (role) =>
        ({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: role.kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding',
          metadata: { name: `${role.metadata.name}-${namespace}`, namespace: role.metadata.namespace },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.metadata.name },
          subjects: [{ kind: 'ServiceAccount', name: 'mesh-bot', namespace }],
        }) as KubeObject,
    );
  for (const binding of bindings) await serverSideApply(admin, binding);
  const token = await kubeRequest<{ status: { token: string } }>(admin, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/mesh-bot/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ ...admin.getCurrentCluster()!, name: 'local' }, { name: 'mesh-bot', token: token.status.token });
  return {
    kc,
    subject: {
      user: `system:serviceaccount:${namespace}:mesh-bot`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    },
    cleanup: async () => {
      for (const binding of bindings) await deleteObject(admin, binding).catch(() => undefined);
    },
  };
}
