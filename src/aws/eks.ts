import { KubeConfig, type User } from '@kubernetes/client-node';
import { awsRegion } from '../config';
import { UserError } from '../errors';
import { kubeconfigFiles, resolveKubeConfig } from '../kube';
import { credentialsFromEnv } from './credentials';
import { EksTokenProvider } from './eks-token';

/** Cluster access from Lambda: endpoint and CA from configuration, a fresh EKS token on every request. */

const AUTH_PROVIDER = 'mesh-eks-token';

// client-node 1.4.0 does not export its Authenticator interface.
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

export interface EksClusterSettings {
  clusterName: string;
  endpoint: string;
  /** Base64 PEM, as `aws eks describe-cluster --query cluster.certificateAuthority.data` prints it. */
  caData: string;
  region: string;
}

export function eksClusterSettings(env: NodeJS.ProcessEnv): EksClusterSettings | undefined {
  const clusterName = env.MESH_EKS_CLUSTER_NAME;
  if (!clusterName) return undefined;
  const missing = ['MESH_EKS_ENDPOINT', 'MESH_EKS_CA_DATA'].filter((name) => !env[name]);
  if (missing.length > 0) throw new UserError(`MESH_EKS_CLUSTER_NAME is set but ${missing.join(' and ')} missing`);
  const region = awsRegion(env);
  if (!region) throw new UserError('AWS region is not configured: set AWS_REGION');
  return { clusterName, endpoint: env.MESH_EKS_ENDPOINT!, caData: env.MESH_EKS_CA_DATA!, region };
}

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
 * The cluster of a worker: EKS (MESH_EKS_*) inside Lambda, otherwise mesh's kubeconfig lookup order (KUBECONFIG,
 * ~/.kube/config; a worker has no local cluster to fall back to).
 */
export async function workerKubeConfig(env: NodeJS.ProcessEnv = process.env): Promise<KubeConfig> {
  const eks = eksClusterSettings(env);
  if (eks) return eksKubeConfig(eks, { env });
  if (!kubeconfigFiles({ env })) throw new UserError('no cluster: set MESH_EKS_CLUSTER_NAME, MESH_EKS_ENDPOINT and MESH_EKS_CA_DATA, name clusters in the app registry, or set KUBECONFIG');
  return resolveKubeConfig({ env });
}
