import { presignUrl, type AwsCredentials } from './sigv4';

/**
 * EKS bearer tokens without aws-iam-authenticator: a presigned STS GetCallerIdentity URL that signs the
 * `x-k8s-aws-id: <cluster>` header, as `k8s-aws-v1.` + base64url (no padding). The API server replays the
 * URL to STS to learn the caller's IAM role.
 */

export const TOKEN_PREFIX = 'k8s-aws-v1.';
/**
 * EKS accepts a token until 15 minutes after its X-Amz-Date; renew well before that, so a request started just
 * before the refresh still lands in time.
 */
export const TOKEN_REFRESH_AFTER_MS = 10 * 60_000;

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  now?: Date;
}

export function eksToken(request: EksTokenRequest): string {
  const url = presignUrl(
    {
      method: 'GET',
      url: `https://sts.${request.region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15`,
      headers: { 'x-k8s-aws-id': request.clusterName },
    },
    // X-Amz-Expires is ignored by EKS (it enforces its own 15 minutes) but must be present; 60 as upstream.
    { service: 'sts', region: request.region, credentials: request.credentials, now: request.now, expiresInSeconds: 60 },
  );
  return TOKEN_PREFIX + Buffer.from(url).toString('base64url');
}

export interface EksTokenProviderOptions {
  clusterName: string;
  region: string;
  /** Read on every refresh: Lambda may hand a warm sandbox new role credentials. */
  credentials: () => AwsCredentials;
  clock?: () => number;
  refreshAfterMs?: number;
}

/** Hands out a cached token and mints a new one once the cached one is `refreshAfterMs` old. */
export class EksTokenProvider {
  private current?: { token: string; mintedAt: number };
  private readonly clock: () => number;
  private readonly refreshAfterMs: number;

  constructor(private readonly options: EksTokenProviderOptions) {
    this.clock = options.clock ?? Date.now;
    this.refreshAfterMs = options.refreshAfterMs ?? TOKEN_REFRESH_AFTER_MS;
  }

  token(): string {
    const now = this.clock();
    if (!this.current || now - this.current.mintedAt >= this.refreshAfterMs) {
      const { clusterName, region } = this.options;
      const token = eksToken({ clusterName, region, credentials: this.options.credentials(), now: new Date(now) });
      this.current = { token, mintedAt: now };
    }
    return this.current.token;
  }
}
