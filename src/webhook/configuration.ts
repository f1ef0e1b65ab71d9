/**
 * mesh's injector MutatingWebhookConfiguration: Istio's webhook entries (same names and selectors, so
 * namespace labels mean the same thing whichever injector serves them) pointing at mesh's webhook server.
 */
import { istioWebhookSelectors } from './selectors';
import { REVISION_LABEL } from '../istio/vocabulary';
import type { LabelSelectorRequirement } from '../kube/label-selector';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';

// install.ts names the suffix through this module.
export { INJECTOR_WEBHOOK_SUFFIX } from '../istio/vocabulary';

export const MESH_INJECTOR_CONFIG = 'mesh-sidecar-injector';
export const MESH_INJECTOR_SERVICE = 'mesh-sidecar-injector';
export const WEBHOOK_CERT_SECRET = 'sidecar-injector-certs';

export type ClientTarget =
  | { service: { name: string; namespace: string; port?: number } }
  | { url: string };

export interface InjectorConfigOptions {
  name?: string;
  revision?: string;
  target: ClientTarget;
  caBundle?: string;
  failurePolicy?: 'Fail' | 'Ignore';
  /** ANDed into every entry's namespaceSelector; tests confine their cluster-wide webhook with it. */
  extraNamespaceSelector?: LabelSelectorRequirement[];
  timeoutSeconds?: number;
}

export function injectorWebhookConfiguration(options: InjectorConfigOptions): Record<string, unknown> {
  const revision = options.revision || 'default';
  const clientConfig: Record<string, unknown> =
    'url' in options.target
      ? { url: options.target.url }
      : { service: { ...options.target.service, path: '/inject', port: options.target.service.port ?? 443 } };
  if (options.caBundle) clientConfig.caBundle = options.caBundle;
  const entries = istioWebhookSelectors(revision, { extraNamespaceSelector: options.extraNamespaceSelector });
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: options.name ?? MESH_INJECTOR_CONFIG,
      labels: { app: 'sidecar-injector', [REVISION_LABEL]: revision, [MANAGED_BY_LABEL]: MANAGED_BY_MESH },
    },
    webhooks: entries.map((entry) => ({
      name: entry.name,
      clientConfig: structuredClone(clientConfig),
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: entry.namespaceSelector,
      objectSelector: entry.objectSelector,
      sideEffects: 'None',
      failurePolicy: options.failurePolicy ?? 'Fail',
      reinvocationPolicy: 'Never',
      admissionReviewVersions: ['v1'],
      timeoutSeconds: options.timeoutSeconds ?? 10,
    })),
  };
}
