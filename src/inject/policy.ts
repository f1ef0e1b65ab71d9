// Istio's injection policy (inject.go injectRequired): whether a pod gets a sidecar at all — host networking,
// ignored namespaces, the inject label/annotation, the never/always-inject selectors, the policy. Pure.
import { matchesSelectorEmptyMatchesNone } from '../kube/label-selector';
import { IGNORED_NAMESPACES, POD_INJECT_LABEL } from '../istio/vocabulary';
import type { InjectionSettings } from './settings';
import type { JsonObject } from '../json-object';

export interface InjectPolicy {
  policy?: 'enabled' | 'disabled' | string;
  neverInjectSelector?: unknown[];
  alwaysInjectSelector?: unknown[];
}

export interface InjectionDecision {
  inject: boolean;
  reason: string;
}

/** The decision for a pod's spec and metadata (its namespace set), in Istio's order. */
export function decideInjection(spec: JsonObject, metadata: JsonObject, policy: InjectPolicy): InjectionDecision {
  if (spec?.hostNetwork === true) return { inject: false, reason: 'host networking is enabled' };
  const ns = metadata?.namespace ?? '';
  if (IGNORED_NAMESPACES.includes(ns)) return { inject: false, reason: `namespace ${ns} is ignored` };
  const labels: JsonObject = metadata?.labels ?? {};
  const annos: JsonObject = metadata?.annotations ?? {};
  const key = POD_INJECT_LABEL;
  const selector: string = key in labels ? String(labels[key]) : String(annos[key] ?? '');
  const source = key in labels ? 'label' : 'annotation';
  if (selector === 'true') return { inject: true, reason: `${source} ${key}=true` };
  if (selector === 'false') return { inject: false, reason: `${source} ${key}=false` };
  for (const s of policy.neverInjectSelector ?? []) {
    if (matchesSelectorEmptyMatchesNone(labels, s as JsonObject)) return { inject: false, reason: 'pod labels match neverInjectSelector' };
  }
  for (const s of policy.alwaysInjectSelector ?? []) {
    if (matchesSelectorEmptyMatchesNone(labels, s as JsonObject)) return { inject: true, reason: 'pod labels match alwaysInjectSelector' };
  }
  const p = policy.policy ?? 'enabled';
  if (p === 'enabled') return { inject: true, reason: 'injection policy is enabled' };
  if (p === 'disabled') return { inject: false, reason: 'injection policy is disabled' };
  return { inject: false, reason: `illegal injection policy ${p}` };
}

/**
 * The webhook's decision for a pod in `namespace`: the policy and selectors given, else the values'
 * (`global.proxy.autoInject`, `sidecarInjectorWebhook.never/alwaysInjectSelector`).
 */
export function decidePodInjection(
  pod: object,
  namespace: string,
  settings: InjectionSettings & { policy?: 'enabled' | 'disabled'; neverInjectSelector?: unknown[]; alwaysInjectSelector?: unknown[] },
): InjectionDecision {
  const { metadata, spec } = pod as JsonObject;
  const hook = settings.values?.sidecarInjectorWebhook ?? {};
  return decideInjection(spec ?? {}, { ...(metadata ?? {}), namespace: metadata?.namespace || namespace }, {
    policy: settings.policy ?? settings.values?.global?.proxy?.autoInject ?? 'enabled',
    neverInjectSelector: settings.neverInjectSelector ?? hook.neverInjectSelector ?? [],
    alwaysInjectSelector: settings.alwaysInjectSelector ?? hook.alwaysInjectSelector ?? [],
  });
}
