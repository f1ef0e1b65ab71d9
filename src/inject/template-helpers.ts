// Go-template semantics the sidecar template relies on (annotation, sprig default, truthiness, …) and
// small shared pieces of the template.
import type { Values } from './settings';
import type { JsonObject } from '../json-object';


/** Go's fmt.Sprint of a template value. */
export function sprint(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  return String(v);
}

export function annotation(meta: JsonObject, name: string, def: unknown): string {
  const annos: JsonObject = meta.annotations ?? {};
  return name in annos ? String(annos[name]) : sprint(def);
}

/** sprig `default`: empty values fall through to the default. */
export function orDefault(...vals: unknown[]): string {
  for (const v of vals) if (v !== undefined && v !== null && v !== '') return String(v);
  return '';
}

export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

export function trimAll(s: string, cutset: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && cutset.includes(s[a])) a++;
  while (b > a && cutset.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

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

export function resources(meta: JsonObject, values: Values): JsonObject | undefined {
  const annos: JsonObject = meta.annotations ?? {};
  const has = (k: string) => k in annos;
  const cpu = 'sidecar.istio.io/proxyCPU';
  const mem = 'sidecar.istio.io/proxyMemory';
  const cpuLimit = 'sidecar.istio.io/proxyCPULimit';
  const memLimit = 'sidecar.istio.io/proxyMemoryLimit';
  if (has(cpu) || has(mem) || has(cpuLimit) || has(memLimit)) {
    const out: JsonObject = {};
    if (has(cpu) || has(mem)) {
      out.requests = {};
      if (has(cpu)) out.requests.cpu = annos[cpu];
      if (has(mem)) out.requests.memory = annos[mem];
    }
    if (has(cpuLimit) || has(memLimit)) {
      out.limits = {};
      if (has(cpuLimit)) out.limits.cpu = annos[cpuLimit];
      if (has(memLimit)) out.limits.memory = annos[memLimit];
    }
    return out;
  }
  const r = values.global?.proxy?.resources;
  return truthy(r) ? (omitNil(r) as JsonObject) : undefined;
}

function omitNil(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(omitNil);
  if (v && typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = omitNil(x);
    return out;
  }
  return v;
}

export function sortedEnv(map: JsonObject | undefined): JsonObject[] {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => ({ name: k, value: String(map![k]) }));
}

export function fieldEnv(name: string, fieldPath: string): JsonObject {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** The names the rendered template adds, per pod spec list. */
export interface TemplateNames {
  containers?: string[];
  initContainers?: string[];
  volumes?: string[];
  imagePullSecrets?: Array<string | undefined>;
}

/**
 * The names the typed (normalised) template would list, read from the rendered one: the injection needs
 * only these from it, and typing the whole template cost ~15% of a pod's injection. Its values were already
 * type-checked when the template was merged into the pod. Typed, an absent name is "" (required field)
 * except on a pull secret (omitempty), and an empty list is absent.
 */
export function templateNames(spec: JsonObject): TemplateNames {
  const named = (list: unknown): JsonObject[] | undefined => (Array.isArray(list) && list.length > 0 ? list : undefined);
  const nameOf = (item: JsonObject | null): string => item?.name ?? '';
  return {
    containers: named(spec.containers)?.map(nameOf),
    initContainers: named(spec.initContainers)?.map(nameOf),
    volumes: named(spec.volumes)?.map(nameOf),
    imagePullSecrets: named(spec.imagePullSecrets)?.map((item) => nameOf(item) || undefined),
  };
}
