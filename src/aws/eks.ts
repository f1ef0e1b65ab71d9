import { KubeConfig, type User } from '@kubernetes/client-node';
import { eksClusterOf, type EksClusterSettings } from '../config';
import { UserError } from '../errors';
import { kubeconfigFiles, resolveKubeConfig } from '../kube';
import { credentialsFromEnv } from './credentials';
import { EksTokenProvider } from './eks-token';

/** Cluster access from Lambda: endpoint and CA from configuration, a fresh EKS token on every request. */

const AUTH_PROVIDER = 'mesh-eks-token';

// client-node 1.4.0 does not export its Authenticator interface.
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

export type { EksClusterSettings };

/** The EKS cluster of MESH_EKS_* (read by src/config.ts with the worker's other settings). */
export const eksClusterSettings = eksClusterOf;

// client-node asks the authenticator for every request (src/kube applies options per request), so a
// long rollout keeps working past the token's 15 minutes.
class EksAuthenticator implements Authenticator {
  constructor(private readonly tokens: EksTokenProvider) {}
  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === AUTH_PROVIDER;
  }
  async applyAuthentication(_user: User, opts: { headers?: Record<string, unknown> }): Promise<void> {
    opts.headers = { ...opts.headers, Authorization: `Bearer ${this.tokens.token()}` };
  }
}

export interface EksKubeConfigOptions {
  env?: NodeJS.ProcessEnv;
  clock?: () => number;
}

/** A KubeConfig for the EKS cluster named in MESH_EKS_*, authenticated as the function's IAM role. */
export function eksKubeConfig(settings: EksClusterSettings, options: EksKubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const tokens = new EksTokenProvider({
    clusterName: settings.clusterName,
    region: settings.region,
    credentials: () => credentialsFromEnv(env),
    clock: options.clock,
  });
  const kc = new KubeConfig();
  kc.addAuthenticator(new EksAuthenticator(tokens));
  kc.loadFromClusterAndUser(
    { name: settings.clusterName, server: settings.endpoint, caData: settings.caData, skipTLSVerify: false },
    { name: 'mesh-lambda', authProvider: { name: AUTH_PROVIDER, config: {} } },
  );
  return kc;
}

/**
 * The cluster of a worker: EKS (`eks`, from MESH_EKS_*) inside Lambda, otherwise mesh's kubeconfig lookup order
 * (KUBECONFIG, ~/.kube/config; a worker has no local cluster to fall back to).
 */
export async function workerKubeConfig(env: NodeJS.ProcessEnv = process.env, eks: EksClusterSettings | undefined = eksClusterOf(env)): Promise<KubeConfig> {
  if (eks) return eksKubeConfig(eks, { env });
  if (!kubeconfigFiles({ env })) throw new UserError('no cluster: set MESH_EKS_CLUSTER_NAME, MESH_EKS_ENDPOINT and MESH_EKS_CA_DATA, name clusters in the app registry, or set KUBECONFIG');
  return resolveKubeConfig({ env });
}
