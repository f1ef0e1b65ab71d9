// Typed normalisation: what decoding into Go structs and marshalling again does to a manifest.
// Keys come out in Go field order (so JSON.stringify matches Go's json.Marshal), unknown fields are
// dropped, omitempty zero values vanish, required zero values and value structs are written.
import { STRUCTS } from './schema';
import { canonicalQuantity } from './quantity';
import { UserError } from '../errors';

type Json = unknown;
const MISSING = Symbol('missing');

export function normalize(value: Json, type: string): Json {
  const out = norm(value, type, '');
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
  if (STRUCTS[type]) return normStruct({}, type, '');
  return null;
}

/** A manifest value of the wrong type: Go's typed decode rejects the whole input. */
export class SchemaError extends UserError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isObject(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const EXPECTED: Record<string, [string, (v: unknown) => boolean]> = {
  s: ['a string', (v) => typeof v === 'string'],
  i: ['an integer', (v) => typeof v === 'number' && Number.isInteger(v)],
  f: ['a number', (v) => typeof v === 'number'],
  b: ['a boolean', (v) => typeof v === 'boolean'],
  ios: ['an integer or a string', (v) => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))],
  time: ['a timestamp string', (v) => typeof v === 'string'],
};

function norm(value: Json, spec: string, path: string, element = false): Json | typeof MISSING {
  const required = element || spec.endsWith('!');
  const pointer = spec.startsWith('*');
  const type = spec.replace(/^\*/, '').replace(/!$/, '');
  if (value === undefined || value === null) {
    if (required) return zeroOf(type);
    if (STRUCTS[type] && !pointer) return normStruct({}, type, path);
    return MISSING;
  }
  if (type.startsWith('[')) {
    if (!Array.isArray(value)) throw new SchemaError(path, `expected a list, got ${describe(value)}`);
    if (value.length === 0 && !required) return MISSING;
    const item = type.slice(1, -1);
    return value.map((v, i) => {
      const n = norm(v, item, `${path}[${i}]`, true);
      return n === MISSING ? null : n;
    });
  }
  if (type.startsWith('{')) {
    if (!isObject(value)) throw new SchemaError(path, `expected a mapping, got ${describe(value)}`);
    const keys = Object.keys(value).sort();
    if (keys.length === 0 && !required) return MISSING;
    const item = type.slice(1, -1);
    const out: Record<string, Json> = {};
    for (const k of keys) {
      const n = norm(value[k], item, `${path}.${k}`, true);
      out[k] = n === MISSING ? null : n;
    }
    return out;
  }
  if (STRUCTS[type]) {
    if (!isObject(value)) throw new SchemaError(path, `expected a mapping, got ${describe(value)}`);
    return normStruct(value, type, path);
  }
  const expected = EXPECTED[type];
  if (expected && !expected[1](value)) throw new SchemaError(path, `expected ${expected[0]}, got ${describe(value)}`);
  switch (type) {
    case 's':
      return value === '' && !pointer && !required ? MISSING : value;
    case 'i':
    case 'f':
      return value === 0 && !pointer && !required ? MISSING : value;
    case 'b':
      return value === false && !pointer && !required ? MISSING : value;
    case 'q': {
      const canonical = typeof value === 'string' || typeof value === 'number' ? canonicalQuantity(value) : undefined;
      if (canonical === undefined) throw new SchemaError(path, `invalid quantity ${JSON.stringify(value)}`);
      return canonical;
    }
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

function normStruct(value: Record<string, unknown>, type: string, path: string): Json {
  const def = STRUCTS[type];
  const out: Record<string, Json> = {};
  const known = new Set<string>();
  for (const [name, spec] of def.fields) {
    known.add(name);
    const n = norm(value[name], spec, path ? `${path}.${name}` : name);
    if (n !== MISSING) out[name] = n;
  }
  if (def.rest) {
    for (const key of Object.keys(value).sort()) {
      if (known.has(key)) continue;
      const n = norm(value[key], def.rest, path ? `${path}.${key}` : key);
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
