// Injection configuration as Istio has it: chart values (the pinned istio-discovery chart's defaults, embedded in
// src/istio/istio-chart.json) and mesh config (Istio's mesh defaults), with user overrides deep-merged on top.
import { UserError } from '../errors';
import type { GoTemplate } from '../gotemplate';
import type { JsonObject } from '../json-object';
import chart from '../istio/istio-chart.json';

export type Values = JsonObject;

export interface InjectionSettings {
  /** Helm values: global.hub, global.tag, global.proxy.*, sidecarInjectorWebhook.*, pilot.*, revision. */
  values: Values;
  /** Mesh config: defaultConfig (ProxyConfig), trustDomain, enablePrometheusMerge, … */
  meshConfig: Values;
  /** Global choice of native sidecars (per-pod annotation sidecar.istio.io/nativeSidecar wins). */
  nativeSidecars: boolean;
  /** Control-plane revision ("" = default). */
  revision: string;
  /**
   * Istio's COMPLIANCE_POLICY (the templates' `.CompliancePolicy`, "" = none). istioctl and istiod read it from
   * their environment at start; here every door passes it from its process configuration (src/config.ts).
   */
  compliancePolicy: string;
  /**
   * Auto mode only: kubelet version per node. A pod already bound to a listed node (spec.nodeName) follows
   * that node's version instead of the cluster-wide `nativeSidecars`, as Istio's DetectNativeSidecar does.
   */
  nodeKubeletVersions?: Record<string, string>;
  /**
   * Another injector for each pod instead of this engine's template — the cluster's own injector webhook. It
   * returns the injected pod, or undefined when that injector left the pod alone.
   */
  externalInjector?: ExternalPodInjector;
  /**
   * An explicit injector configuration (istioctl's --injectConfigFile, or the cluster's ConfigMap): its
   * templates are rendered instead of the built-in one.
   */
  injector?: InjectorTemplates;
}

/** An explicit injector configuration, parsed (`parseInjectorConfig` in injector-config.ts). */
export interface InjectorTemplates {
  /** Where the configuration came from (a file name, `configmap istio-system/istio-sidecar-injector`). */
  source: string;
  policy: 'enabled' | 'disabled';
  defaultTemplates: string[];
  aliases: Record<string, string[]>;
  neverInjectSelector: JsonObject[];
  alwaysInjectSelector: JsonObject[];
  injectedAnnotations: Record<string, string>;
  /** Parsed templates by name. */
  templates: Map<string, GoTemplate>;
}

export type ExternalPodInjector = (pod: { metadata: JsonObject; spec: JsonObject }, namespace: string) => JsonObject | undefined;

/** Native sidecars need kubelet minor ≥ 33 on every node (an empty list passes, as in Istio). */
export function nativeSidecarsSupported(kubeletVersions: string[]): boolean {
  return kubeletVersions.every((v) => {
    const m = /^v?(\d+)\.(\d+)/.exec(v.trim());
    return m !== null && Number(m[2]) >= 33;
  });
}

/** The pinned chart's injector values (what its istio-sidecar-injector ConfigMap carries with default values). */
export function defaultValues(): Values {
  return structuredClone(chart.values) as Values;
}

export function defaultMeshConfig(): Values {
  return {
    trustDomain: 'cluster.local',
    proxyListenPort: 15001,
    proxyInboundListenPort: 15006,
    enablePrometheusMerge: true,
    defaultConfig: {
      statusPort: 15020,
      interceptionMode: 'REDIRECT',
      proxyMetadata: {},
    },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Maps merge key by key; anything else (lists, scalars) replaces, as Istio's values overlay does. */
export function deepMerge<T>(base: T, overlay: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overlay)) return (overlay === undefined ? base : overlay) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    out[k] = k in out ? deepMerge(out[k], v) : v;
  }
  return out as T;
}

export function injectionSettings(opts: {
  values?: unknown;
  meshConfig?: unknown;
  nativeSidecars?: boolean;
  revision?: string;
  compliancePolicy?: string;
  nodeKubeletVersions?: Record<string, string>;
  injector?: InjectorTemplates;
} = {}): InjectionSettings {
  for (const [what, v] of [
    ['values', opts.values],
    ['mesh config', opts.meshConfig],
  ] as const) {
    if (v !== undefined && v !== null && !isPlainObject(v)) throw new UserError(`${what} must be a YAML mapping`);
  }
  const values = deepMerge(defaultValues(), opts.values ?? {});
  if (opts.revision !== undefined) values.revision = opts.revision;
  const meshConfig = deepMerge(defaultMeshConfig(), opts.meshConfig ?? {});
  return {
    values,
    meshConfig,
    nativeSidecars: opts.nativeSidecars ?? true,
    revision: opts.revision ?? String(values.revision ?? ''),
    compliancePolicy: opts.compliancePolicy ?? '',
    ...(opts.nodeKubeletVersions ? { nodeKubeletVersions: opts.nodeKubeletVersions } : {}),
    ...(opts.injector ? { injector: opts.injector } : {}),
  };
}

/** `<hub>/<image>:<tag>[-variant]`, as Istio's ProxyImage builds it. */
export function imageUrl(values: Values, imageName: string, annotations: Record<string, string> = {}): string {
  const globalValues = values.global ?? {};
  let tag = globalValues.tag === undefined || globalValues.tag === null ? '' : String(globalValues.tag);
  let imageType: string = globalValues.variant ?? '';
  if ('sidecar.istio.io/proxyImageType' in annotations) imageType = annotations['sidecar.istio.io/proxyImageType'];
  if (imageType !== '') {
    for (const known of ['distroless', 'debug']) {
      if (tag.endsWith(`-${known}`)) {
        tag = tag.slice(0, -(known.length + 1));
        break;
      }
    }
    if (imageType !== 'default') tag = `${tag}-${imageType}`;
  }
  return `${globalValues.hub}/${imageName}:${tag}`;
}

export function proxyImage(settings: InjectionSettings, annotations: Record<string, string> = {}): string {
  return imageUrl(settings.values, settings.values.global?.proxy?.image || 'proxyv2', annotations);
}

export function proxyInitImage(settings: InjectionSettings, annotations: Record<string, string> = {}): string {
  return imageUrl(settings.values, settings.values.global?.proxy_init?.image || 'proxyv2', annotations);
}
