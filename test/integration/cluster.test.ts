import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AppsV1Api, AuthorizationV1Api, BatchV1Api, CertificatesV1Api, CoreV1Api, KubeConfig, type V1Pod,
} from '@kubernetes/client-node';
import { clusterCaPem, FAIL_ANNOTATION, kubeConfig, waitUntil, withNamespace } from './setup/cluster';
import { LOCAL_NODE_NAMES } from '../../src/cluster/cluster';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

const podReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('local control plane: workloads', () => {
  const ns = withNamespace('cluster-workloads');

  it('gives a Deployment a ReplicaSet and Running, Ready pods', async () => {
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });
    const deployment = await waitUntil('deployment web to have 2 ready replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns.name });
      return d.status?.readyReplicas === 2 && d.status.availableReplicas === 2 ? d : undefined;
    });
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace: ns.name });
    expect(replicaSets.items.map((rs) => rs.metadata?.ownerReferences?.[0]?.uid)).toEqual([deployment.metadata?.uid]);
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(LOCAL_NODE_NAMES).toContain(pod.spec?.nodeName);
      expect(pod.status?.phase).toBe('Running');
      expect(podReady(pod)).toBe(true);
      expect(pod.status?.podIP).toBeTruthy();
    }
  });

  it('runs a Job to completion', async () => {
    const batch = kc.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: ns.name,
      body: {
        metadata: { name: 'migrate' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'busybox' }] } } },
      },
    });
    await waitUntil('job migrate to complete', async () => {
      const job = await batch.readNamespacedJob({ name: 'migrate', namespace: ns.name });
      return job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
    });
  });

  it('gives a Service endpoints for its ready pods', async () => {
    await core.createNamespacedService({
      namespace: ns.name,
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
    });
    const discovery = kc.makeApiClient((await import('@kubernetes/client-node')).DiscoveryV1Api);
    await waitUntil('an EndpointSlice with 2 ready endpoints', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: ns.name, labelSelector: 'kubernetes.io/service-name=web' });
      const ready = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
      return ready.length === 2;
    });
  });
});

describe('local control plane: failure annotation', () => {
  const ns = withNamespace('cluster-failures');

  async function podWithFailure(name: string, mode: string): Promise<() => Promise<V1Pod>> {
    await core.createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: { name, annotations: { [FAIL_ANNOTATION]: mode } },
        spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] },
      },
    });
    return () => core.readNamespacedPod({ name, namespace: ns.name });
  }

  it.each([
    ['CrashLoopBackOff', 'Running'],
    ['ImagePullBackOff', 'Pending'],
  ])('%s reports that waiting reason, as a kubelet would', async (mode, phase) => {
    const read = await podWithFailure(mode.toLowerCase(), mode);
    const pod = await waitUntil(`pod to report ${mode}`, async () => {
      const p = await read();
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === mode ? p : undefined;
    });
    expect(pod.status?.phase).toBe(phase);
    expect(podReady(pod)).toBe(false);
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
  });

  it('NeverReady runs the container but never becomes Ready', async () => {
    const read = await podWithFailure('never-ready', 'NeverReady');
    const pod = await waitUntil('pod to run', async () => {
      const p = await read();
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    });
    expect(pod.status?.phase).toBe('Running');
    expect(podReady(pod)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(podReady(await read())).toBe(false);
  });

  it('Failed terminates the container with an error', async () => {
    const read = await podWithFailure('failed', 'Failed');
    const pod = await waitUntil('pod to fail', async () => {
      const p = await read();
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
  });
});

describe('local control plane: CSR signing', () => {
  it('issues an approved kubelet-serving CSR with a certificate from the cluster CA', async () => {
    const certificates = kc.makeApiClient(CertificatesV1Api);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-csr-'));
    const nodeName = `csr-test-${Date.now().toString(36)}`;
    try {
      execFileSync('openssl', [
        'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'csr.pem'),
        '-subj', `/O=system:nodes/CN=system:node:${nodeName}`, '-addext', `subjectAltName=DNS:${nodeName}.local`,
      ], { stdio: 'pipe' });
      const request = readFileSync(path.join(dir, 'csr.pem')).toString('base64');
      const csrName = `${nodeName}-serving`;
      await certificates.createCertificateSigningRequest({
        body: {
          metadata: { name: csrName },
          spec: {
            request,
            signerName: 'kubernetes.io/kubelet-serving',
            usages: ['digital signature', 'key encipherment', 'server auth'],
          },
        },
      });
      const csr = await certificates.readCertificateSigningRequest({ name: csrName });
      csr.status = {
        conditions: [{ type: 'Approved', status: 'True', reason: 'MeshTest', message: 'approved by the integration test' }],
      };
      await certificates.replaceCertificateSigningRequestApproval({ name: csrName, body: csr });
      const issued = await waitUntil('the signer to issue a certificate', async () => {
        const current = await certificates.readCertificateSigningRequest({ name: csrName });
        return current.status?.certificate;
      });
      const cert = new X509Certificate(Buffer.from(issued, 'base64'));
      const ca = new X509Certificate(clusterCaPem());
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subject).toContain(`CN=system:node:${nodeName}`);
      expect(cert.subjectAltName).toContain(`DNS:${nodeName}.local`);
      await certificates.deleteCertificateSigningRequest({ name: csrName });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local control plane: RBAC and ServiceAccount tokens', () => {
  const ns = withNamespace('cluster-rbac');

  it('authenticates a ServiceAccount token and denies it what RBAC does not grant', async () => {
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'nobody' } } });
    const tokenRequest = await core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tokenRequest.status?.token;
    expect(token).toBeTruthy();

    const asNobody = new KubeConfig();
    const cluster = kc.getCurrentCluster()!;
    asNobody.loadFromClusterAndUser(
      { name: 'local', server: cluster.server, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: false },
      { name: 'nobody', token },
    );
    const denied = await asNobody
      .makeApiClient(CoreV1Api)
      .listNamespacedSecret({ namespace: ns.name })
      .then(() => undefined, (error: { code?: number; body?: string }) => error);
    expect(denied?.code).toBe(403);
    expect(String(denied?.body)).toContain(`system:serviceaccount:${ns.name}:nobody`);

    const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
      body: {
        spec: {
          user: `system:serviceaccount:${ns.name}:nobody`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${ns.name}`, 'system:authenticated'],
          resourceAttributes: { namespace: ns.name, verb: 'create', group: 'apps', resource: 'deployments' },
        },
      },
    });
    expect(review.status?.allowed).toBe(false);
  });
});
