// What a server-side apply would change in a live object: the dry-run result compared with the live object,
// field by field. Both sides come from the same API server, so fields it defaults are equal on both and drop
// out; what the server alone writes (status, managedFields, resourceVersion, …) is removed before comparing.
// Pure: no I/O.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/types';

export interface FieldChange {
  /** `spec.template.spec.containers[name=app].image` */
  path: string;
  /** undefined: the field is added (before) or removed (after). */
  before?: unknown;
  after?: unknown;
}

/** Metadata the API server sets on its own; never part of what a manifest changes. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
/** Annotations controllers write on live objects (a dry-run starts from the live object, so they match anyway). */
const SERVER_ANNOTATIONS = ['deployment.kubernetes.io/revision'];
const REDACTED = '(secret value)';

/** The object without status and the server's own metadata; a Secret's values are replaced by a marker. */
export function comparable(obj: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = obj;
  const meta: Record<string, unknown> = { ...metadata };
  for (const key of SERVER_METADATA) delete meta[key];
  if (meta.annotations) {
    const annotations = { ...(meta.annotations as Record<string, string>) };
    for (const key of SERVER_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete meta.annotations;
    else meta.annotations = annotations;
  }
  const out: Record<string, unknown> = { ...rest, metadata: meta };
  if (obj.kind === 'Secret' && obj.apiVersion === 'v1') {
    for (const field of ['data', 'stringData']) {
      const values = out[field] as Record<string, string> | undefined;
      // The digest still tells a change from no change without showing the value.
      if (values) out[field] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, `${REDACTED} sha256:${createHash('sha256').update(String(v)).digest('hex').slice(0, 12)}`]));
    }
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Lists of objects that all carry a distinct `name` (containers, ports, env, volumes) are matched by name. */
function namedItems(list: unknown[]): Map<string, unknown> | undefined {
  const byName = new Map<string, unknown>();
  for (const item of list) {
    if (!isObject(item) || typeof item.name !== 'string' || byName.has(item.name)) return undefined;
    byName.set(item.name, item);
  }
  return byName;
}

const fieldPath = (base: string, key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`);

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  // A map added or removed as a whole is shown key by key (an empty one is no change at all).
  if ((isObject(before) && after === undefined) || (before === undefined && isObject(after))) {
    walk(before ?? {}, after ?? {}, path, out);
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) walk(before[key], after[key], fieldPath(path, key), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const b = namedItems(before);
    const a = namedItems(after);
    if (b && a && (b.size > 0 || a.size > 0)) {
      for (const name of new Set([...b.keys(), ...a.keys()])) walk(b.get(name), a.get(name), `${path}[name=${name}]`, out);
      return;
    }
    if (before.length === after.length) {
      before.forEach((item, i) => walk(item, after[i], `${path}[${i}]`, out));
      return;
    }
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  out.push({ path, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) });
}

/** The fields that differ between the live object and what applying would make of it (both comparable()). */
export function diffObjects(live: KubeObject, applied: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  walk(comparable(live), comparable(applied), '', out);
  return out;
}

/** JSON with sorted keys: the same object always gives the same text (and hash). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** One change as a line of the diff: `spec.replicas: 1 → 3`, `+ metadata.labels.tier: "db"`. */
export function formatChange(change: FieldChange): string {
  const show = (v: unknown) => {
    const text = JSON.stringify(v) ?? 'null';
    return text.length > 120 ? `${text.slice(0, 117)}…` : text;
  };
  if (!('before' in change)) return `+ ${change.path}: ${show(change.after)}`;
  if (!('after' in change)) return `- ${change.path}: ${show(change.before)}`;
  return `~ ${change.path}: ${show(change.before)} → ${show(change.after)}`;
}
