// `mesh webhook install` on the real control plane: the certificate comes from kube-controller-manager's
// CSR signer, re-running keeps it, and unusable signers or missing RBAC are named in the error.
import { X509Certificate } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { clusterCaPem, kubeConfig, waitUntil, withNamespace } from './setup/cluster';
import { kubeRequest } from '../../src/kube';
import { installWebhook } from '../../src/webhook/install';
import { deleteWebhookConfig, readSecretPem, runId, scopeSelector } from './webhook-support';
import type { JsonObject } from '../../src/json-object';

const id = runId();
const configName = `mesh-test-install-${id}`;

afterAll(() => deleteWebhookConfig(kubeConfig(), configName));

describe('mesh webhook install', () => {
  const ns = withNamespace('webhook-install');

  it('gets a serving certificate from the cluster CSR signer and registers the cluster CA', async () => {
    const kc = kubeConfig();
    const options = { namespace: ns.name, service: 'injector', configName, url: 'https://127.0.0.1:1/inject', ipAddresses: ['127.0.0.1'], extraNamespaceSelector: scopeSelector(id) };
    const report = await installWebhook(kc, options);
    expect(report).toMatchObject({ issued: true, signer: 'kubernetes.io/kubelet-serving', secret: 'sidecar-injector-certs' });

    const { cert, key, ca } = await readSecretPem(kc, ns.name, 'sidecar-injector-certs');
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toContain('CN=system:node:injector.');
    expect(x509.subjectAltName).toContain(`DNS:injector.${ns.name}.svc`);
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.verify(new X509Certificate(clusterCaPem()).publicKey)).toBe(true);
    expect(ca.trim()).toBe(clusterCaPem().trim());

    const mwc = await kubeRequest<{ webhooks: { clientConfig: { caBundle: string } }[] }>(kc, {
      method: 'GET',
      path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${configName}`,
    });
    for (const webhook of mwc.webhooks) expect(Buffer.from(webhook.clientConfig.caBundle, 'base64').toString().trim()).toBe(clusterCaPem().trim());

    // CSRs are cleaned up.
    const csrs = await kubeRequest<{ items: { metadata: { name: string } }[] }>(kc, { method: 'GET', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests' });
    expect(csrs.items.map((c) => c.metadata.name).filter((n) => n.includes(`injector.${ns.name}`))).toEqual([]);

    // Idempotent: a fresh certificate is kept, not re-issued.
    const again = await installWebhook(kc, options);
    expect(again.issued).toBe(false);
    expect(again.reason).toMatch(/^certificate valid until/);
    expect((await readSecretPem(kc, ns.name, 'sidecar-injector-certs')).key).toBe(key);
  });

  it('names the cause when the signer never issues', async () => {
    await expect(
      installWebhook(kubeConfig(), { namespace: ns.name, secret: 'never-issued', signer: 'example.com/nobody-signs', configName, timeoutMs: 3000 }),
    ).rejects.toThrow(/approved but never issued by signer example.com\/nobody-signs within 3 s/);
  });

  it('reports a CSR the signer fails, with its reason', async () => {
    const kc = kubeConfig();
    const csrPath = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
    const install = installWebhook(kc, { namespace: ns.name, service: 'refused', secret: 'refused', signer: 'example.com/refuses', configName, timeoutMs: 30_000 });
    // Play the signer: fail the request once it is approved, as kcm does for a CSR it will not sign.
    const csr = await waitUntil('the approved CSR', async () => {
      const list = await kubeRequest<{ items: JsonObject[] }>(kc, { method: 'GET', path: csrPath });
      return list.items.find((c) => c.metadata.name.startsWith(`mesh-webhook-refused.${ns.name}-`) && c.status?.conditions?.length);
    });
    await kubeRequest(kc, {
      method: 'PUT',
      path: `${csrPath}/${csr.metadata.name}/status`,
      body: {
        ...csr,
        status: {
          conditions: [...csr.status.conditions, { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'test signer refuses this subject' }],
        },
      },
    });
    await expect(install).rejects.toThrow(/for signer example.com\/refuses failed at the signer: test signer refuses this subject/);
  });

  it('rejects the legacy signer v1 no longer accepts', async () => {
    await expect(installWebhook(kubeConfig(), { namespace: ns.name, signer: 'kubernetes.io/legacy-unknown', configName })).rejects.toThrow(
      /legacy-unknown is not allowed/,
    );
  });

  it('names the missing RBAC permission', async () => {
    const admin = kubeConfig();
    const nobody = new KubeConfig();
    nobody.loadFromOptions({
      clusters: admin.clusters,
      users: admin.users.map((u) => ({ ...u, impersonateUser: 'mesh-test-nobody' })),
      contexts: admin.contexts,
      currentContext: admin.currentContext,
    });
    await expect(installWebhook(nobody, { namespace: ns.name, configName })).rejects.toThrow(/forbidden: needs RBAC permission/);
  });
});
