// Typed normalisation: what decoding into Go structs and marshalling again does to a manifest.
// Keys come out in Go field order (so JSON.stringify matches Go's json.Marshal), unknown fields are
// dropped, omitempty zero values vanish, required zero values and value structs are written. The structs are
// Kubernetes' own (k8s.io/api and openshift/api at the versions the pinned istioctl builds with), generated from the
// Go types by scripts/istio/gen-k8s-schema.sh into k8s-schema.json; its header there gives the type grammar.
import schema from './k8s-schema.json';
import { canonicalQuantity } from './quantity';
import { UserError } from '../errors';

type Json = unknown;

export interface StructDef {
  /** [JSON name, schema type] in Go field order. */
  fields: Array<[string, string]>;
  /** The Go field names, in the same order. */
  goNames: string[];
  /** The Go type as %T prints it (`v1.Container`). */
  goType: string;
}

export const STRUCTS: Record<string, StructDef> = Object.fromEntries(
  Object.entries(schema.structs as Record<string, { go: string; fields: string[][] }>).map(([name, def]) => [
    name,
    { goType: def.go, fields: def.fields.map(([json, type]) => [json, type] as [string, string]), goNames: def.fields.map((f) => f[2]) },
  ]),
);
const MISSING = Symbol('missing');

export function normalize(value: Json, type: string): Json {
  const out = norm(value, compile(type));
  return out === MISSING ? undefined : out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const EXPECTED: Record<string, [string, (v: unknown) => boolean]> = {
  s: ['a string', (v) => typeof v === 'string'],
  i: ['an integer', (v) => typeof v === 'number' && Number.isInteger(v)],
  f: ['a number', (v) => typeof v === 'number'],
  b: ['a boolean', (v) => typeof v === 'boolean'],
  ios: ['an integer or a string', (v) => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))],
  time: ['a timestamp string', (v) => typeof v === 'string'],
};

/** A schema type string compiled once: what norm() needs without re-parsing it. */
interface Desc {
  type: string;
  required: boolean;
  pointer: boolean;
  kind: 'list' | 'map' | 'struct' | 'scalar';
  /** Scalars: the zero value is dropped (omitempty on a value field). */
  omitZero: boolean;
  /** Written even when absent or null: required fields and value (non-pointer) structs. */
  writtenWhenAbsent: boolean;
  /** Scalars: the JSON type the value must have, when the schema type constrains it. */
  expected?: [string, (v: unknown) => boolean];
  elem?: Desc;
  fields?: Array<[string, Desc]>;
  /** Struct field name → position in `fields`, so normStruct visits only the keys a value has. */
  fieldIndex?: Map<string, number>;
  /** normStruct's per-field scratch array, kept for the next value of this type (see there). */
  spareSlots?: unknown[];
}

const compiled = new Map<string, Desc>();

function compile(spec: string, element = false): Desc {
  const cacheKey = element ? `${spec}#e` : spec;
  const cached = compiled.get(cacheKey);
  if (cached) return cached;
  const pointer = spec.startsWith('*');
  const type = spec.slice(pointer ? 1 : 0, spec.endsWith('!') ? -1 : undefined);
  const required = element || spec.endsWith('!');
  const d: Desc = { type, required, pointer, kind: 'scalar', omitZero: !pointer && !required, writtenWhenAbsent: required };
  compiled.set(cacheKey, d);
  if (type.startsWith('[')) {
    d.kind = 'list';
    d.elem = compile(type.slice(1, -1), true);
  } else if (type.startsWith('{')) {
    d.kind = 'map';
    d.elem = compile(type.slice(1, -1), true);
  } else if (STRUCTS[type]) {
    d.kind = 'struct';
    d.writtenWhenAbsent = required || !pointer;
    d.fields = STRUCTS[type].fields.map(([name, f]) => [name, compile(f)]);
    d.fieldIndex = new Map(STRUCTS[type].fields.map(([name], i) => [name, i]));
  } else if (!['s', 'i', 'f', 'b', 'q', 'ios', 'time', 'raw', 'any'].includes(type)) {
    throw new Error(`unknown schema type ${type}`);
  } else {
    d.expected = EXPECTED[type];
  }
  return d;
}

/** A manifest value of the wrong type: Go's typed decode rejects the whole input. */
export class SchemaError extends UserError {
  constructor(
    readonly keys: Array<string | number>,
    readonly problem: string,
  ) {
    const path = keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
    super(path ? `${path}: ${problem}` : problem);
  }

  /** The same problem one level further out (paths are built only while an error unwinds). */
  under(key: string | number): SchemaError {
    return new SchemaError([key, ...this.keys], this.problem);
  }
}

/** An error from inside the value at `key`, with the key added to its path. Each loop below has one try
 * around it (not one per child: that call was a measurable share of the walk) and tracks the current key. */
function under(e: unknown, key: string | number): unknown {
  return e instanceof SchemaError ? e.under(key) : e;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isObject(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}


function fail(problem: string): never {
  throw new SchemaError([], problem);
}

function zeroOf(d: Desc): Json {
  if (d.pointer) return null;
  switch (d.type) {
    case 's':
      return '';
    case 'i':
    case 'f':
    case 'ios':
      return 0;
    case 'b':
      return false;
    case 'q':
      return '0';
  }
  if (d.kind === 'struct') return normStruct({}, d);
  return null;
}

function norm(value: Json, d: Desc): Json | typeof MISSING {
  if (value === undefined || value === null) return d.writtenWhenAbsent ? zeroOf(d) : MISSING;
  switch (d.kind) {
    case 'list': {
      if (!Array.isArray(value)) fail(`expected a list, got ${describe(value)}`);
      if (value.length === 0 && !d.required) return MISSING;
      const out = new Array(value.length);
      let i = 0;
      try {
        for (; i < value.length; i++) {
          const n = norm(value[i], d.elem!);
          out[i] = n === MISSING ? null : n;
        }
      } catch (e) {
        throw under(e, i);
      }
      return out;
    }
    case 'map': {
      if (!isObject(value)) fail(`expected a mapping, got ${describe(value)}`);
      const keys = Object.keys(value);
      if (keys.length === 0 && !d.required) return MISSING;
      // Most maps arrive sorted (every pass after the first sees its own output); sort() allocates even then.
      if (!ascending(keys)) keys.sort();
      const out: Record<string, Json> = {};
      let k = '';
      try {
        for (k of keys) {
          const n = norm(value[k], d.elem!);
          out[k] = n === MISSING ? null : n;
        }
      } catch (e) {
        throw under(e, k);
      }
      return out;
    }
    case 'struct':
      if (!isObject(value)) fail(`expected a mapping, got ${describe(value)}`);
      return normStruct(value, d);
  }
  const expected = d.expected;
  if (expected && !expected[1](value)) fail(`expected ${expected[0]}, got ${describe(value)}`);
  switch (d.type) {
    case 's':
      return value === '' && d.omitZero ? MISSING : value;
    case 'i':
    case 'f':
      return value === 0 && d.omitZero ? MISSING : value;
    case 'b':
      return value === false && d.omitZero ? MISSING : value;
    case 'q': {
      const canonical = typeof value === 'string' || typeof value === 'number' ? canonicalQuantity(value) : undefined;
      if (canonical === undefined) fail(`invalid quantity ${JSON.stringify(value)}`);
      return canonical;
    }
    case 'any':
      return dropNulls(value);
    default:
      return value;
  }
}

function ascending(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

// Values are sparse (a Container uses a handful of its ~30 fields), so the value's own keys are visited
// once and slotted by field position; probing every field name on every value was the engine's hottest
// line (megamorphic misses). Output order is still the Go field order.
function normStruct(value: Record<string, unknown>, d: Desc): Json {
  const fields = d.fields!;
  const fieldIndex = d.fieldIndex!;
  // The slot array is reused between values of this struct type (young-generation garbage per review drives
  // the webhook's GC pauses); it is taken while in use, so a nested value of the same type gets its own.
  const slots = d.spareSlots ?? new Array<unknown>(fields.length);
  d.spareSlots = undefined;
  for (const key in value) {
    const i = fieldIndex.get(key);
    if (i !== undefined) slots[i] = value[key];
  }
  const out: Record<string, Json> = {};
  let name = '';
  try {
    for (let i = 0; i < fields.length; i++) {
      const fd = fields[i][1];
      const v = slots[i];
      if ((v === undefined || v === null) && !fd.writtenWhenAbsent) continue;
      name = fields[i][0];
      const n = norm(v, fd);
      if (n !== MISSING) out[name] = n;
    }
  } catch (e) {
    throw under(e, name);
  }
  slots.fill(undefined);
  d.spareSlots = slots;
  return out;
}

function dropNulls(value: Json): Json {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(dropNulls);
  const out: Record<string, Json> = {};
  const obj = value as Record<string, Json>;
  for (const k in obj) {
    const v = obj[k];
    if (v !== null && v !== undefined) out[k] = dropNulls(v);
  }
  return out;
}

/** Go's json.Marshal escapes <, > and & inside strings. */
export function goJson(value: Json): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  });
}
