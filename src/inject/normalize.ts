// Typed normalisation: what decoding into Go structs and marshalling again does to a manifest.
// Keys come out in Go field order (so JSON.stringify matches Go's json.Marshal), unknown fields are
// dropped, omitempty zero values vanish, required zero values and value structs are written.
import { STRUCTS } from './schema';
import { canonicalQuantity } from './quantity';

type Json = unknown;
const MISSING = Symbol('missing');

export function normalize(value: Json, type: string): Json {
  const out = norm(value, type);
  return out === MISSING ? undefined : out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function zeroOf(type: string): Json {
  if (type === 's') return '';
  if (type === 'i' || type === 'f') return 0;
  if (type === 'b') return false;
  if (type === 'q') return '0';
  if (type === 'ios') return 0;
  if (type.startsWith('[') || type.startsWith('{')) return null;
  if (STRUCTS[type]) return normStruct({}, type);
  return null;
}

function norm(value: Json, spec: string, element = false): Json | typeof MISSING {
  const required = element || spec.endsWith('!');
  const pointer = spec.startsWith('*');
  const type = spec.replace(/^\*/, '').replace(/!$/, '');
  if (value === undefined || value === null) {
    if (required) return zeroOf(type);
    if (STRUCTS[type] && !pointer) return normStruct({}, type);
    return MISSING;
  }
  if (type.startsWith('[')) {
    if (!Array.isArray(value)) return value;
    if (value.length === 0 && !required) return MISSING;
    const item = type.slice(1, -1);
    return value.map((v) => {
      const n = norm(v, item, true);
      return n === MISSING ? null : n;
    });
  }
  if (type.startsWith('{')) {
    if (!isObject(value)) return value;
    const keys = Object.keys(value).sort();
    if (keys.length === 0 && !required) return MISSING;
    const item = type.slice(1, -1);
    const out: Record<string, Json> = {};
    for (const k of keys) {
      const n = norm(value[k], item, true);
      out[k] = n === MISSING ? null : n;
    }
    return out;
  }
  if (STRUCTS[type]) return isObject(value) ? normStruct(value, type) : value;
  switch (type) {
    case 's':
      return value === '' && !pointer && !required ? MISSING : value;
    case 'i':
    case 'f':
      return value === 0 && !pointer && !required ? MISSING : value;
    case 'b':
      return value === false && !pointer && !required ? MISSING : value;
    case 'q':
      return typeof value === 'string' || typeof value === 'number' ? (canonicalQuantity(value) ?? value) : value;
    case 'ios':
    case 'time':
    case 'raw':
      return value;
    case 'any':
      return dropNulls(value);
    default:
      throw new Error(`unknown schema type ${type}`);
  }
}

function normStruct(value: Record<string, unknown>, type: string): Json {
  const def = STRUCTS[type];
  const out: Record<string, Json> = {};
  const known = new Set<string>();
  for (const [name, spec] of def.fields) {
    known.add(name);
    const n = norm(value[name], spec);
    if (n !== MISSING) out[name] = n;
  }
  if (def.rest) {
    for (const key of Object.keys(value).sort()) {
      if (known.has(key)) continue;
      const n = norm(value[key], def.rest);
      if (n !== MISSING) out[key] = n;
    }
  }
  return out;
}

function dropNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (isObject(value)) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = dropNulls(v);
    return out;
  }
  return value;
}

/** Go's json.Marshal escapes <, > and & inside strings. */
export function goJson(value: Json): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  });
}
