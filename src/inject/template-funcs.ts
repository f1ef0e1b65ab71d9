// Istio's injection function map (pkg/kube/inject/template.go InjectionFuncmap), with Go's signatures,
// for templates rendered by src/gotemplate. Same set in Istio 1.30 and 1.31.
import {
  GoFloat, SPRIG, fromJsonValue, goJsonMarshal, formatValue, isGoObject, toYamlText, typed, type FuncMap, type GoObject,
} from '../gotemplate';
import { proxyConfigJson } from './proxyconfig';
import { k8sJson } from './template-data';
import type { JsonObject } from '../json-object';
import { PROXY_CONTAINER } from '../istio/vocabulary';

type StrMap = Record<string, string>;

function containerPorts(containers: unknown[], include: (c: JsonObject) => boolean): string {
  const parts: string[] = [];
  for (const view of containers) {
    const c = k8sJson(view) ?? {};
    if (!include(c)) continue;
    for (const p of c.ports ?? []) {
      if (p.protocol === 'UDP' || p.protocol === 'SCTP') continue;
      parts.push(String(p.containerPort ?? 0));
    }
  }
  return parts.join(',');
}

function mergeMaps(...maps: StrMap[]): StrMap | null {
  if (maps.length === 0) return null;
  return typed(Object.assign({}, ...maps.map((m) => m ?? {})) as StrMap, 'map[string]string');
}

function omitNil(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) {
    const out = v.map(omitNil).filter((x) => x !== null);
    return out.length === 0 && v.length > 0 ? null : out.length === v.length && v.every((x, i) => x === out[i]) ? v : out;
  }
  if (typeof v === 'object' && !(v instanceof GoFloat) && !isGoObject(v)) {
    const entries = Object.entries(v as JsonObject);
    const out: JsonObject = {};
    let changed = false;
    for (const [k, x] of entries) {
      const f = omitNil(x);
      if (f !== x || f === null) changed = true;
      if (f !== null) out[k] = f;
    }
    if (!changed) return v;
    return Object.keys(out).length === 0 ? null : out;
  }
  return v;
}

const CONTAINERS = '[]v1.Container';
const STRMAP = 'map[string]string';

export const ISTIO_FUNCS: FuncMap = {
  formatDuration: { params: ['any'], fn: (d: GoObject) => String((d?.toJSON() as unknown) ?? '0s') },
  isset: { params: [STRMAP, 'string'], fn: (m: StrMap | null, k: string) => m !== null && Object.prototype.hasOwnProperty.call(m, k) },
  excludeInboundPort: { params: ['any', 'string'], fn: (port: unknown, ex: string) => excludeInboundPort(formatValue(port), ex) },
  includeInboundPorts: { params: [CONTAINERS], fn: (cs: unknown[]) => containerPorts(cs, () => true) },
  applicationPorts: { params: [CONTAINERS], fn: (cs: unknown[]) => containerPorts(cs, (c) => c.name !== PROXY_CONTAINER) },
  kubevirtInterfaces: { params: ['string'], fn: (s: string) => s },
  excludeInterfaces: { params: ['string'], fn: (s: string) => s },
  annotation: {
    params: ['v1.ObjectMeta', 'string', 'any'],
    fn: (meta: GoObject, name: string, def: unknown) => {
      const annos = (k8sJson(meta)?.annotations ?? {}) as StrMap;
      return Object.prototype.hasOwnProperty.call(annos, name) ? annos[name] : formatValue(def);
    },
  },
  valueOrDefault: { params: ['any', 'any'], fn: (v: unknown, d: unknown) => (v === '' || v === null || v === undefined ? d : v) },
  toJSON: { params: [STRMAP], fn: (m: StrMap | null) => (m === null ? '{}' : goJsonMarshal(m)) },
  fromJSON: {
    params: ['string'],
    fn: (j: string) => {
      try {
        return fromJsonValue(JSON.parse(j));
      } catch {
        return '{}';
      }
    },
  },
  structToJSON: { params: ['any'], fn: (v: unknown) => (v === null || v === undefined ? '{}' : goJsonMarshal(v)) },
  protoToJSON: {
    params: ['any'],
    fn: (m: GoObject | null) => {
      const json = m?.toJSON() as JsonObject | null;
      if (!json) return '{}';
      return proxyConfigJson(json);
    },
  },
  toYaml: { params: ['any'], fn: (v: unknown) => toYamlText(v) },
  indent: {
    params: ['int', 'string'],
    fn: (spaces: number, source: string) =>
      source
        .split('\n')
        .map((line, i) => (i > 0 ? ' '.repeat(Math.max(0, spaces)) + line : line))
        .join('\n'),
  },
  directory: { params: ['string'], fn: (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/') + 1) : '') },
  contains: { params: ['string', 'string'], fn: (needle: string, hay: string) => hay.includes(needle) },
  toLower: { params: ['string'], fn: (s: string) => s.toLowerCase() },
  appendMultusNetwork: { params: ['string', 'string'], fn: appendMultusNetwork },
  // Istio's template function `env` (pkg/kube/inject/template.go): the injecting process's own variable, else the
  // default. It stays a read of this process's environment, as istioctl and istiod read theirs: what a team's
  // template asks for is not a setting of mesh (src/config.ts lists the variables mesh itself reads).
  env: { params: ['string', 'string'], fn: (k: string, d: string) => process.env[k] || d },
  omit: {
    params: [STRMAP],
    variadic: 'string',
    fn: (m: StrMap | null, ...keys: string[]) =>
      typed(Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !keys.includes(k))), STRMAP),
  },
  strdict: {
    params: [],
    variadic: 'string',
    fn: (...v: string[]) => {
      const out: StrMap = {};
      for (let i = 0; i < v.length; i += 2) out[v[i]] = i + 1 < v.length ? v[i + 1] : '';
      return typed(out, STRMAP);
    },
  },
  toJsonMap: { params: [], variadic: STRMAP, fn: (...ms: StrMap[]) => goJsonMarshal(mergeMaps(...ms)) },
  mergeMaps: { params: [], variadic: STRMAP, fn: mergeMaps },
  omitNil: { params: ['any'], fn: omitNil },
  otelResourceAttributes: {
    params: ['*v1alpha1.MeshConfig', STRMAP, STRMAP, 'string', CONTAINERS],
    fn: (mc: GoObject, annotations: StrMap, labels: StrMap, namespace: string, containers: unknown[]) =>
      otelResourceAttributes((mc.toJSON() as JsonObject | null) ?? {}, annotations ?? {}, labels ?? {}, namespace, containers.map((c) => k8sJson(c) ?? {})),
  },
};

/** Sprig's TxtFuncMap overlaid with Istio's functions, as parseDryTemplate builds it. */
export const INJECTION_FUNCS: FuncMap = { ...SPRIG, ...ISTIO_FUNCS };

/** The status port added to the excluded inbound ports (Istio's excludeInboundPort). */
export function excludeInboundPort(port: string, excluded: string): string {
  const portStr = port.trim();
  if (portStr === '' || portStr === '0') return excluded;
  const out: string[] = [];
  for (const p of excluded.split(',')) {
    if (p === portStr) return excluded;
    if (p.trim() !== '') out.push(p.trim());
  }
  out.push(portStr);
  return out.join(',');
}

/** Adds istio-cni to a Multus networks annotation (flat list or JSON), unless already there. */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const i = existing.lastIndexOf(']');
  if (i !== -1) {
    let networks: JsonObject[];
    try {
      networks = JSON.parse(existing);
      if (!Array.isArray(networks)) return existing;
    } catch {
      return existing;
    }
    const slash = network.indexOf('/');
    const ns = slash < 0 ? '' : network.slice(0, slash);
    const name = slash < 0 ? network : network.slice(slash + 1);
    if (networks.some((n) => n?.name === name && (n.namespace ?? '') === ns)) return existing;
    const entry = ns === '' ? `, {"name": "${name}"}` : `, {"name": "${name}", "namespace": "${ns}"}`;
    return existing.slice(0, i) + entry + existing.slice(i);
  }
  if (existing.split(',').some((n) => n.trim() === network)) return existing;
  return `${existing}, ${network}`;
}

/** OTEL_RESOURCE_ATTRIBUTES when an OpenTelemetry provider asks for semantic-convention enrichment. */
export function otelResourceAttributes(meshConfig: JsonObject, annos: JsonObject, labels: JsonObject, namespace: string, containers: JsonObject[]): string {
  const providers: JsonObject[] = Array.isArray(meshConfig.extensionProviders) ? meshConfig.extensionProviders : [];
  if (!providers.some((p) => p?.opentelemetry?.serviceAttributeEnrichment === 'OTEL_SEMANTIC_CONVENTIONS')) return '';
  const attrs: string[] = [];
  const ns = annos['resource.opentelemetry.io/service.namespace'];
  if (ns) attrs.push(`service.namespace=${ns}`);
  else if (namespace) attrs.push(`service.namespace=${namespace}`);
  const version = annos['resource.opentelemetry.io/service.version'] || labels['app.kubernetes.io/version'];
  if (version) attrs.push(`service.version=${version}`);
  else if (containers.length === 1) {
    let image = String(containers[0].image ?? '');
    let digest = '';
    const at = image.indexOf('@');
    if (at >= 0) {
      digest = image.slice(at + 1);
      image = image.slice(0, at);
    }
    const colon = image.lastIndexOf(':');
    const tag = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : '';
    if (tag && digest) attrs.push(`service.version=${tag}@${digest}`);
    else if (digest || tag) attrs.push(`service.version=${digest || tag}`);
  }
  const instance = annos['resource.opentelemetry.io/service.instance.id'];
  if (instance) attrs.push(`service.instance.id=${instance}`);
  else if (containers.length > 0) attrs.push(`service.instance.id=${namespace}.$(POD_NAME).${containers[0].name}`);
  return attrs.join(',');
}
