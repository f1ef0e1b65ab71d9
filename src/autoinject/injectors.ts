/**
 * The injector webhooks a namespace could use: istiod's `istio-sidecar-injector[-<rev>]` or mesh's own, told
 * apart by labels, judged by their CA bundle and target, and matched against namespace and pod labels.
 */
import { caBundleHealth } from '../webhook/certs';
import { INJECTOR_WEBHOOK_SUFFIX, REVISION_LABEL } from '../istio/vocabulary';
import { matchingWebhooks, type WebhookSelectors } from '../webhook/selectors';
import type { KubeObject } from '../kube';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';

export interface WebhookEntry extends WebhookSelectors {
  clientConfig?: { url?: string; caBundle?: string; service?: { name: string; namespace: string; path?: string; port?: number } };
  failurePolicy?: string;
}

export interface InjectorConfig extends KubeObject {
  webhooks?: WebhookEntry[];
}

export interface InjectorHealth {
  name: string;
  revision: string;
  managedBy: string;
  target: string;
  failurePolicy: string;
  usable: boolean;
  problems: string[];
  caNotAfter?: string;
}

export function injectorEntries(config: InjectorConfig): WebhookEntry[] {
  return (config.webhooks ?? []).filter((w) => w.name.endsWith(INJECTOR_WEBHOOK_SUFFIX));
}

/** Injector configurations serving `revision` ("default" for the default revision). */
export function injectorsForRevision(configs: InjectorConfig[], revision: string): InjectorConfig[] {
  return configs.filter((c) => injectorEntries(c).length > 0 && (c.metadata.labels?.[REVISION_LABEL] ?? 'default') === revision);
}

function describeTarget(entry: WebhookEntry | undefined): string {
  const cc = entry?.clientConfig;
  if (cc?.url) return cc.url;
  if (cc?.service) return `service ${cc.service.namespace}/${cc.service.name}:${cc.service.port ?? 443}${cc.service.path ?? ''}`;
  return 'no target';
}

/** Static health: what can be judged from the configuration itself (the dry-run probe proves the rest). */
export function injectorHealth(config: InjectorConfig, now = new Date()): InjectorHealth {
  const entries = injectorEntries(config);
  const problems: string[] = [];
  let caNotAfter: string | undefined;
  for (const entry of entries) {
    const health = caBundleHealth(entry.clientConfig?.caBundle, now);
    problems.push(...health.problems.map((p) => `${entry.name}: ${p}`));
    caNotAfter ??= health.certificates.map((c) => c.notAfter).sort()[0];
    if (!entry.clientConfig?.url && !entry.clientConfig?.service) problems.push(`${entry.name}: clientConfig has neither url nor service`);
  }
  const labels = config.metadata.labels ?? {};
  return {
    name: config.metadata.name ?? '',
    revision: labels[REVISION_LABEL] ?? 'default',
    managedBy: labels[MANAGED_BY_LABEL] === MANAGED_BY_MESH ? 'mesh' : labels.app === 'sidecar-injector' ? 'istiod' : 'other',
    target: describeTarget(entries[0]),
    failurePolicy: entries[0]?.failurePolicy ?? 'Fail',
    usable: problems.length === 0,
    problems: [...new Set(problems)],
    caNotAfter,
  };
}

/** `config/entry` names of the injector entries the API server would call for such a pod in such a namespace. */
export function expectedCalls(configs: InjectorConfig[], namespaceLabels: Record<string, string>, podLabels: Record<string, string>): string[] {
  return configs.flatMap((c) => matchingWebhooks(injectorEntries(c), namespaceLabels, podLabels).map((w) => `${c.metadata.name}/${w}`));
}
