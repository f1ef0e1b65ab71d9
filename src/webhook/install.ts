/**
 * `mesh webhook install`: the modern form of Istio 0.7's webhook-create-signed-cert.sh and
 * webhook-patch-ca-bundle.sh. Key → PKCS#10 → certificates.k8s.io/v1 CSR → approval → issued certificate →
 * Secret; cluster CA → caBundle of the MutatingWebhookConfiguration; CSR deleted. Idempotent.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors';
import { createObject, deleteObject, ensureNamespace, getObject, kubeRequest, withPermission, objectPath, patchObject, serverSideApply, watchUntil, type KubeObject } from '../kube';
import { issuedBy, servingCertState } from './certs';
import {
  INJECTOR_WEBHOOK_SUFFIX,
  MESH_INJECTOR_CONFIG,
  MESH_INJECTOR_SERVICE,
  WEBHOOK_CERT_SECRET,
  injectorWebhookConfiguration,
  type InjectorConfigOptions,
} from './configuration';
import { createCsrPem } from './csr';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';

export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const EKS_APP_SERVING = 'beta.eks.amazonaws.com/app-serving';

export interface InstallOptions {
  namespace?: string;
  service?: string;
  secret?: string;
  signer?: string;
  /** MutatingWebhookConfiguration to create or patch. */
  configName?: string;
  /** Register the webhook by URL (e.g. a loopback test server) instead of the in-cluster Service. */
  url?: string;
  ipAddresses?: string[];
  failurePolicy?: 'Fail' | 'Ignore';
  revision?: string;
  extraNamespaceSelector?: InjectorConfigOptions['extraNamespaceSelector'];
  /** How long to wait for the signer; Istio's chiron waits 60 s. */
  timeoutMs?: number;
  now?: Date;
  progress?: (line: string) => void;
}

export interface InstallReport {
  namespace: string;
  secret: string;
  configName: string;
  signer: string;
  issued: boolean;
  reason: string;
  notAfter?: string;
  caSource: string;
}

export function csrSubject(signer: string, service: string, namespace: string): { organization?: string; commonName: string } {
  const host = `${service}.${namespace}.svc`;
  // ValidateKubeletServingCSR: O exactly [system:nodes], CN prefixed system:node:. Other signers take any subject.
  return signer === KUBELET_SERVING ? { organization: 'system:nodes', commonName: `system:node:${host}` } : { commonName: host };
}

export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`];
}

const CSR = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest' };

interface Csr extends KubeObject {
  status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function issueCertificate(kc: KubeConfig, keyPem: string, signer: string, options: Required<Pick<InstallOptions, 'namespace' | 'service' | 'timeoutMs'>> & { ipAddresses: string[] }) {
  const csrPem = createCsrPem(keyPem, {
    subject: csrSubject(signer, options.service, options.namespace),
    dnsNames: serviceDnsNames(options.service, options.namespace),
    ipAddresses: options.ipAddresses,
  });
  const created = await withPermission('create on certificates.k8s.io/certificatesigningrequests', () =>
    createObject<Csr>(kc, {
      ...CSR,
      metadata: { generateName: `mesh-webhook-${options.service}.${options.namespace}-`, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH } },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: signer,
        usages: ['digital signature', 'key encipherment', 'server auth'],
      },
    }),
  );
  const name = created.metadata.name!;
  try {
    const approved = {
      ...created,
      status: {
        conditions: [
          { type: 'Approved', status: 'True', reason: 'MeshWebhookInstall', message: 'approved by mesh webhook install for the sidecar injector' },
        ],
      },
    };
    await withPermission(`update on certificates.k8s.io/certificatesigningrequests/approval and approve on certificates.k8s.io/signers "${signer}"`, async () =>
      // The approval subresource has no kind of its own, so its path is built on the CSR's.
      kubeRequest(kc, { method: 'PUT', path: `${await objectPath(kc, created)}/approval`, body: approved }),
    );
    return await waitForCertificate(kc, name, signer, options.timeoutMs);
  } finally {
    await deleteObject(kc, { ...CSR, metadata: { name } }).catch(() => undefined);
  }
}

function waitForCertificate(kc: KubeConfig, name: string, signer: string, timeoutMs: number): Promise<string> {
  return watchUntil<string>(kc, [{ ...CSR, fieldSelector: `metadata.name=${name}` }], {
    judge: ([objects]) => {
      const csr = objects![0] as Csr | undefined;
      if (!csr) return undefined;
      const refused = csr.status?.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status === 'True');
      if (refused) {
        const why = refused.message || refused.reason || 'no reason given';
        const verdict = refused.type === 'Denied' ? 'was denied' : 'failed at the signer';
        return { error: new UserError(`CSR ${name} for signer ${signer} ${verdict}: ${why}`) };
      }
      return csr.status?.certificate ? { value: Buffer.from(csr.status.certificate, 'base64').toString('utf8') } : undefined;
    },
    deadline: {
      at: Date.now() + timeoutMs,
      settle: () => {
        throw new UserError(
          `CSR ${name} was approved but never issued by signer ${signer} within ${timeoutMs / 1000} s: the cluster does not sign for it ` +
            `(kube-controller-manager needs --cluster-signing-cert-file/--cluster-signing-key-file; on EKS use --signer ${EKS_APP_SERVING})`,
        );
      },
    },
  });
}

/** The CA that signed the serving cert, as the API server must trust it: kube-root-ca.crt, else the kubeconfig's. */
async function clusterCaPem(kc: KubeConfig, namespace: string): Promise<{ pem: string; source: string }> {
  const rootCa = await getObject<{ data?: Record<string, string> }>(kc, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-root-ca.crt', namespace },
  }).catch(() => undefined);
  if (rootCa?.data?.['ca.crt']) return { pem: rootCa.data['ca.crt'], source: `ConfigMap ${namespace}/kube-root-ca.crt` };
  const cluster = kc.getCurrentCluster();
  if (cluster?.caData) return { pem: Buffer.from(cluster.caData, 'base64').toString('utf8'), source: 'kubeconfig certificate-authority-data' };
  if (cluster?.caFile) {
    const { readFileSync } = await import('node:fs');
    return { pem: readFileSync(cluster.caFile, 'utf8'), source: `kubeconfig certificate-authority ${cluster.caFile}` };
  }
  throw new UserError(`cannot find the cluster CA: no ConfigMap ${namespace}/kube-root-ca.crt and no CA in the kubeconfig`);
}

const MWC = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' };

async function writeCaBundle(kc: KubeConfig, caBundle: string, options: InstallOptions & { namespace: string; service: string; configName: string }) {
  const ref = { ...MWC, metadata: { name: options.configName } };
  const existing = await withPermission('get on admissionregistration.k8s.io/mutatingwebhookconfigurations', () => getObject(kc, ref));
  if (!existing) {
    const config = injectorWebhookConfiguration({
      name: options.configName,
      revision: options.revision,
      target: options.url ? { url: options.url } : { service: { name: options.service, namespace: options.namespace } },
      caBundle,
      failurePolicy: options.failurePolicy,
      extraNamespaceSelector: options.extraNamespaceSelector,
    });
    await withPermission('create on admissionregistration.k8s.io/mutatingwebhookconfigurations', () =>
      createObject(kc, config as KubeObject),
    );
    return;
  }
  // An existing configuration (ours or a hand-made one) keeps its shape; only the injector entries' CA changes.
  const webhooks = (existing.webhooks as { name: string; clientConfig?: { caBundle?: string } }[] | undefined) ?? [];
  const patch = webhooks.flatMap((w, i) =>
    w.name.endsWith(INJECTOR_WEBHOOK_SUFFIX) && w.clientConfig?.caBundle !== caBundle
      ? [{ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle }]
      : [],
  );
  if (patch.length === 0) return;
  await withPermission('patch on admissionregistration.k8s.io/mutatingwebhookconfigurations', () =>
    patchObject(kc, ref, 'json', [{ op: 'test', path: '/metadata/resourceVersion', value: existing.metadata.resourceVersion }, ...patch]),
  );
}

export async function installWebhook(kc: KubeConfig, input: InstallOptions = {}): Promise<InstallReport> {
  const namespace = input.namespace ?? 'istio-system';
  const service = input.service ?? MESH_INJECTOR_SERVICE;
  const secretName = input.secret ?? WEBHOOK_CERT_SECRET;
  const signer = input.signer ?? KUBELET_SERVING;
  const configName = input.configName ?? MESH_INJECTOR_CONFIG;
  const progress = input.progress ?? (() => undefined);
  if (signer === 'kubernetes.io/legacy-unknown') {
    throw new UserError('signer kubernetes.io/legacy-unknown is not allowed by certificates.k8s.io/v1; use kubernetes.io/kubelet-serving');
  }

  await ensureNamespace(kc, namespace, { permissions: { get: `get on namespaces ("${namespace}")`, create: 'create on namespaces' } });
  const secret = await withPermission(`get on secrets in namespace ${namespace}`, () =>
    getObject<{ data?: Record<string, string> }>(kc, { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace } }),
  );
  const decode = (key: string) => (secret?.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined);
  const state = servingCertState(decode('cert.pem'), decode('key.pem'), serviceDnsNames(service, namespace), input.now);
  const ca = await clusterCaPem(kc, namespace);

  let notAfter = state.notAfter;
  if (state.renew) {
    progress(`issuing a serving certificate through signer ${signer} (${state.reason})`);
    const keyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const certPem = await issueCertificate(kc, keyPem, signer, {
      namespace,
      service,
      timeoutMs: input.timeoutMs ?? 60_000,
      ipAddresses: input.ipAddresses ?? [],
    });
    if (!issuedBy(certPem, ca.pem)) {
      throw new UserError(`signer ${signer} issued a certificate that does not chain to the cluster CA from ${ca.source}; the API server would not trust it`);
    }
    notAfter = servingCertState(certPem, keyPem, []).notAfter;
    await withPermission(`patch (server-side apply) on secrets in namespace ${namespace}`, () =>
      serverSideApply(kc, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH } },
        type: 'Opaque',
        data: {
          'key.pem': Buffer.from(keyPem).toString('base64'),
          'cert.pem': Buffer.from(certPem).toString('base64'),
          'ca.pem': Buffer.from(ca.pem).toString('base64'),
        },
      }),
    );
  } else {
    progress(`keeping the stored certificate (${state.reason})`);
  }
  await writeCaBundle(kc, Buffer.from(ca.pem).toString('base64'), { ...input, namespace, service, configName });
  return { namespace, secret: secretName, configName, signer, issued: state.renew, reason: state.reason, notAfter, caSource: ca.source };
}
