// Shared by the webhook and autoinject integration tests: a scoped injector webhook on loopback.
// Its MutatingWebhookConfiguration is cluster-wide, so every entry also requires the namespace label
// SCOPE_LABEL=<run id>: only namespaces a test labels so are ever sent to it (other suites never notice).
import net from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../../src/kube';
import { injectionSettings } from '../../src/inject';
import { injectorFromSettings } from '../../src/webhook/engine';
import { startWebhookServer, type RunningWebhook } from '../../src/webhook/server';

export const SCOPE_LABEL = 'mesh.dev/injector-test';

export function runId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function scopeSelector(id: string) {
  return [{ key: SCOPE_LABEL, operator: 'In' as const, values: [id] }];
}

/**
 * A sidecar-injector MutatingWebhookConfiguration for `revision` that the API server never calls (its namespace
 * selector matches no namespace): only what asks the revision's injector itself (mesh, istioctl) reaches it.
 */
export function idleInjectorConfig(name: string, revision: string, clientConfig: Record<string, unknown>) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, labels: { 'istio.io/rev': revision } },
    webhooks: [{
      name: 'object.sidecar-injector.istio.io',
      clientConfig,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      namespaceSelector: { matchLabels: { 'mesh.dev/never': 'matches' } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    }],
  };
}

/** A port that was free a moment ago (the webhook URL must be registered before the server starts). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function readSecretPem(kc: KubeConfig, namespace: string, name: string): Promise<{ cert: string; key: string; ca: string }> {
  const secret = await kubeRequest<{ data: Record<string, string> }>(kc, { method: 'GET', path: `/api/v1/namespaces/${namespace}/secrets/${name}` });
  const decode = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
  return { cert: decode('cert.pem'), key: decode('key.pem'), ca: decode('ca.pem') };
}

export async function serveInjector(cert: string, key: string, port: number): Promise<RunningWebhook> {
  return startWebhookServer({ cert, key, port, injector: injectorFromSettings(injectionSettings()) });
}

export async function labelNamespace(kc: KubeConfig, namespace: string, labels: Record<string, string | null>): Promise<void> {
  await kubeRequest(kc, {
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}`,
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels } },
  });
}

export async function namespaceLabels(kc: KubeConfig, namespace: string): Promise<Record<string, string>> {
  const ns = await kubeRequest<{ metadata: { labels?: Record<string, string> } }>(kc, { method: 'GET', path: `/api/v1/namespaces/${namespace}` });
  return ns.metadata.labels ?? {};
}

export async function deleteWebhookConfig(kc: KubeConfig, name: string): Promise<void> {
  await kubeRequest(kc, { method: 'DELETE', path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${name}` }).catch(() => undefined);
}
