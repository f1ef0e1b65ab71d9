/**
 * The webhook entries of Istio's injector MutatingWebhookConfiguration (`mutatingwebhook.yaml` in
 * istio-discovery): the API server decides from namespace and object labels alone whether to call the
 * injector, so these selectors are half of the injection decision. Pure.
 */
import {
  matchesSelectorEmptyMatchesAll,
  type LabelSelector,
  type LabelSelectorRequirement,
  type Labels,
} from '../kube/label-selector';
import { IGNORED_NAMESPACES, NAMESPACE_INJECTION_LABEL, POD_INJECT_LABEL, REVISION_LABEL } from '../istio/vocabulary';

export interface WebhookSelectors {
  name: string;
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
}

const notExists = (key: string): LabelSelectorRequirement => ({ key, operator: 'DoesNotExist' });
const injectNotFalse: LabelSelectorRequirement = { key: POD_INJECT_LABEL, operator: 'NotIn', values: ['false'] };

/**
 * The entries Istio renders for one revision ("" or "default" is the default revision). `extraNamespaceSelector`
 * is ANDed into every namespaceSelector: tests use it to confine a cluster-wide webhook to their own namespaces.
 */
export function istioWebhookSelectors(
  revision: string,
  options: { enableNamespacesByDefault?: boolean; extraNamespaceSelector?: LabelSelectorRequirement[] } = {},
): WebhookSelectors[] {
  const rev = revision === '' ? 'default' : revision;
  const revIn: LabelSelectorRequirement = { key: REVISION_LABEL, operator: 'In', values: [rev] };
  const extra = options.extraNamespaceSelector ?? [];
  const entries: WebhookSelectors[] = [
    {
      name: 'rev.namespace.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [revIn, notExists(NAMESPACE_INJECTION_LABEL)] },
      objectSelector: { matchExpressions: [injectNotFalse] },
    },
    {
      name: 'rev.object.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [notExists(REVISION_LABEL), notExists(NAMESPACE_INJECTION_LABEL)] },
      objectSelector: { matchExpressions: [injectNotFalse, revIn] },
    },
  ];
  if (rev === 'default') {
    entries.push(
      {
        name: 'namespace.sidecar-injector.istio.io',
        namespaceSelector: { matchExpressions: [{ key: NAMESPACE_INJECTION_LABEL, operator: 'In', values: ['enabled'] }] },
        objectSelector: { matchExpressions: [injectNotFalse] },
      },
      {
        name: 'object.sidecar-injector.istio.io',
        namespaceSelector: { matchExpressions: [notExists(NAMESPACE_INJECTION_LABEL), notExists(REVISION_LABEL)] },
        objectSelector: {
          matchExpressions: [{ key: POD_INJECT_LABEL, operator: 'In', values: ['true'] }, notExists(REVISION_LABEL)],
        },
      },
    );
    if (options.enableNamespacesByDefault) {
      entries.push({
        name: 'auto.sidecar-injector.istio.io',
        namespaceSelector: {
          matchExpressions: [
            notExists(NAMESPACE_INJECTION_LABEL),
            notExists(REVISION_LABEL),
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: IGNORED_NAMESPACES },
          ],
        },
        objectSelector: { matchExpressions: [injectNotFalse, notExists(REVISION_LABEL)] },
      });
    }
  }
  return entries.map((entry) => ({
    ...entry,
    namespaceSelector: { matchExpressions: [...(entry.namespaceSelector.matchExpressions ?? []), ...extra] },
  }));
}

/** Names of the entries the API server would call for a pod with these labels in a namespace with those. */
export function matchingWebhooks(
  webhooks: WebhookSelectors[],
  namespaceLabels: Labels | undefined,
  podLabels: Labels | undefined,
): string[] {
  return webhooks
    .filter((w) => matchesSelectorEmptyMatchesAll(namespaceLabels, w.namespaceSelector) && matchesSelectorEmptyMatchesAll(podLabels, w.objectSelector))
    .map((w) => w.name);
}
