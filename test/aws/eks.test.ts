import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { eksClusterSettings, eksKubeConfig, workerKubeConfig } from '../../src/aws/eks';
import { EksTokenProvider, eksToken, TOKEN_PREFIX } from '../../src/aws/eks-token';
import { TEST_CREDENTIALS, TEST_REGION } from './fake-aws';

const NOW = new Date('2026-11-24T19:00:00Z');

function decode(token: string): URL {
  expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
  const encoded = token.slice(TOKEN_PREFIX.length);
  expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/); // base64url without padding
  return new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
}

describe('eksToken', () => {
  const token = eksToken({ clusterName: 'prod-mesh', region: TEST_REGION, credentials: TEST_CREDENTIALS, now: NOW });

  it('is k8s-aws-v1. + base64url of a presigned STS GetCallerIdentity URL', () => {
    const url = decode(token);
    expect(url.origin).toBe(`https://sts.${TEST_REGION}.amazonaws.com`);
    expect(url.pathname).toBe('/');
    const q = Object.fromEntries(url.searchParams);
    expect(q).toEqual({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${TEST_CREDENTIALS.accessKeyId}/20261124/${TEST_REGION}/sts/aws4_request`,
      'X-Amz-Date': '20261124T190000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': TEST_CREDENTIALS.sessionToken,
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('fits the 4 KiB limit EKS enforces and depends on the cluster name it signs', () => {
    expect(token.length).toBeLessThan(4096);
    const other = eksToken({ clusterName: 'other', region: TEST_REGION, credentials: TEST_CREDENTIALS, now: NOW });
    expect(decode(other).searchParams.get('X-Amz-Signature')).not.toBe(decode(token).searchParams.get('X-Amz-Signature'));
  });
});

describe('EksTokenProvider', () => {
  it('caches a token for 10 minutes, then mints a new one well inside the 15-minute validity', () => {
    let now = NOW.getTime();
    const provider = new EksTokenProvider({
      clusterName: 'prod-mesh',
      region: TEST_REGION,
      credentials: () => TEST_CREDENTIALS,
      clock: () => now,
    });
    const dateOf = (t: string) => decode(t).searchParams.get('X-Amz-Date');
    const first = provider.token();
    now += 9 * 60_000 + 59_000;
    expect(provider.token()).toBe(first);
    now += 1_000;
    const second = provider.token();
    expect(second).not.toBe(first);
    expect(dateOf(second)).toBe('20261124T191000Z');
    now += 25 * 60_000; // a long rollout: still a fresh token, never the expired one
    expect(dateOf(provider.token())).toBe('20261124T193500Z');
  });
});

describe('eksKubeConfig', () => {
  const env = {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
    AWS_REGION: TEST_REGION,
    MESH_EKS_CLUSTER_NAME: 'prod-mesh',
    MESH_EKS_ENDPOINT: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
    MESH_EKS_CA_DATA: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'),
  };

  it('reads endpoint and CA from configuration and sends a fresh bearer token per request', async () => {
    let now = NOW.getTime();
    const kc = eksKubeConfig(eksClusterSettings(env)!, { env, clock: () => now });
    expect(kc.getCurrentCluster()).toMatchObject({ server: env.MESH_EKS_ENDPOINT, caData: env.MESH_EKS_CA_DATA });
    const authorization = async () => {
      const opts: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      expect(String(opts.ca)).toContain('BEGIN CERTIFICATE');
      return String((opts.headers as Record<string, string>).Authorization);
    };
    const first = await authorization();
    expect(first).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(decode(first.slice('Bearer '.length)).searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    now += 11 * 60_000;
    expect(await authorization()).not.toBe(first);
  });

  it('is off without MESH_EKS_CLUSTER_NAME and names missing settings when half-configured', () => {
    expect(eksClusterSettings({})).toBeUndefined();
    expect(() => eksClusterSettings({ MESH_EKS_CLUSTER_NAME: 'x', AWS_REGION: 'eu-west-1' })).toThrow(
      'MESH_EKS_CLUSTER_NAME is set but MESH_EKS_ENDPOINT and MESH_EKS_CA_DATA missing',
    );
  });
});

describe('workerKubeConfig', () => {
  it('uses KUBECONFIG like the CLI when no EKS cluster is configured', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-kubeconfig-'));
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: local, cluster: {server: "https://127.0.0.1:6443"}}]',
        'users: [{name: admin, user: {token: abc}}]',
        'contexts: [{name: local, context: {cluster: local, user: admin}}]',
        'current-context: local',
      ].join('\n'),
    );
    try {
      const kc = await workerKubeConfig({ KUBECONFIG: file });
      expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses EKS when MESH_EKS_CLUSTER_NAME is set', async () => {
    const kc = await workerKubeConfig({
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
      MESH_EKS_CLUSTER_NAME: 'prod',
      MESH_EKS_ENDPOINT: 'https://eks.example',
      MESH_EKS_CA_DATA: 'Q0E=',
    });
    expect(kc.getCurrentUser()?.authProvider?.name).toBe('mesh-eks-token');
  });
});
