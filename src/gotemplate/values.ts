// Go's value model as templates see it. JS values stand for Go values:
//   string → string, boolean → bool, number → an integer kind (int, int32, int64…), GoFloat → float64,
//   null → nil (an untyped nil interface), undefined → no value (a missing map key, Go's invalid Value),
//   plain object → map[string]interface{} (or a typed map, see typedMap), array → []interface{} (or a
//   typed slice), GoObject → a struct, pointer or named type with methods (proto messages, enums).

/** A float64 (JSON numbers decoded into interface{} are float64 in Go, and print as %g). */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A Go struct/pointer/named value exposed to templates by the host program. */
export interface GoObject {
  /** Go type as `%T` prints it, e.g. `v1.ObjectMeta`, `*v1alpha1.ProxyConfig`. */
  readonly goType: string;
  /** A typed nil pointer: methods may still be called, fields fail. */
  readonly isNil?: boolean;
  /** Underlying basic kind for named scalar types (enums are int32 in Go). */
  readonly basic?: { kind: 'int'; value: number } | { kind: 'string'; value: string };
  /** The exported field `name`, or NO_FIELD when the type has no such field. */
  field(name: string): unknown;
  /** The method `name` (Go looks methods up before fields), or undefined. */
  method?(name: string): ((...args: unknown[]) => unknown) | undefined;
  /** `String()` when the type implements fmt.Stringer. */
  stringer?(): string;
  /** What encoding/json would marshal (for toJSON/toYaml). */
  toJSON(): unknown;
  /** The struct's fields in declaration order, for %v printing (`{a b}`). */
  printFields?(): unknown[];
}

export const NO_FIELD: unique symbol = Symbol('no such field');

const GO_TYPE = Symbol('go type');

/** Tags a map or slice with its Go type, e.g. `map[string]string` or `[]v1.Container`. */
export function typed<T extends object>(value: T, goType: string): T {
  Object.defineProperty(value, GO_TYPE, { value: goType, enumerable: false });
  return value;
}

export function isGoObject(v: unknown): v is GoObject {
  return typeof v === 'object' && v !== null && typeof (v as GoObject).field === 'function' && 'goType' in v;
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoFloat) && !isGoObject(v);
}

/** Go's `%T` of a value. */
export function goTypeOf(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'int';
    case 'function':
      return 'func';
  }
  if (v instanceof GoFloat) return 'float64';
  if (isGoObject(v)) return v.goType;
  const tag = (v as Record<symbol, string>)[GO_TYPE];
  if (tag) return tag;
  return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
}

/** The element type of a map or slice type (`map[string]string` → `string`). */
export function elemType(v: unknown): string {
  const t = goTypeOf(v);
  if (t.startsWith('map[')) return t.slice(t.indexOf(']') + 1);
  if (t.startsWith('[]')) return t.slice(2);
  return 'interface {}';
}

/** The zero value of a Go type name (as far as templates can tell them apart). */
export function zeroOf(goType: string): unknown {
  if (goType === 'string') return '';
  if (goType === 'bool') return false;
  if (/^u?int(8|16|32|64)?$/.test(goType)) return 0;
  if (goType === 'float64' || goType === 'float32') return new GoFloat(0);
  return null;
}

export type BasicKind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'other';

export function basicKind(v: unknown): BasicKind {
  if (v === undefined || v === null) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'int';
  }
  if (v instanceof GoFloat) return 'float';
  if (isGoObject(v) && v.basic && !v.isNil) return v.basic.kind;
  return 'other';
}

export function basicValue(v: unknown): string | number | boolean {
  if (v instanceof GoFloat) return v.value;
  if (isGoObject(v) && v.basic) return v.basic.value;
  return v as string | number | boolean;
}

/** text/template's truth: empty values are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'function':
      return true;
  }
  if (v instanceof GoFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isGoObject(v)) {
    if (v.isNil) return false;
    if (v.basic) return v.basic.kind === 'int' ? v.basic.value !== 0 : v.basic.value !== '';
    return true;
  }
  return Object.keys(v as object).length > 0;
}

/** Go map iteration order as fmt and range use it: keys sorted. */
export function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** strconv.FormatFloat(f, 'g', -1, 64), as %v prints a float64: %e when the exponent is < -4 or >= 6. */
export function formatFloat(f: number): string {
  // Exponents -4…5: JavaScript's shortest form is Go's too.
  const abs = Math.abs(f);
  if (abs >= 1e-4 && abs < 1e6) return String(f);
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, e] = f.toExponential().split('e');
  const exponent = Number(e);
  if (exponent < -4 || exponent >= 6) {
    const abs = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(f);
}

/** fmt's %v of one value (also Sprint of a single operand). */
export function formatValue(v: unknown, top = true): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'number':
      return String(v);
    case 'function':
      return '0x1';
  }
  if (v instanceof GoFloat) return formatFloat(v.value);
  if (isGoObject(v)) {
    if (v.stringer && !v.isNil) return v.stringer();
    if (v.isNil) return '<nil>';
    if (v.basic) return String(v.basic.value);
    const fields = v.printFields ? v.printFields() : [];
    const body = `{${fields.map((f) => formatValue(f, false)).join(' ')}}`;
    return v.goType.startsWith('*') && top ? `&${body}` : body;
  }
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, false)).join(' ')}]`;
  const m = v as Record<string, unknown>;
  return `map[${sortedKeys(m)
    .map((k) => `${k}:${formatValue(m[k], false)}`)
    .join(' ')}]`;
}

/** What encoding/json sees: GoFloat unwrapped, Go objects by their JSON view. */
export function toJsonValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof GoFloat) return v.value;
  if (isGoObject(v)) return v.isNil ? null : v.toJSON();
  if (Array.isArray(v)) return v.map(toJsonValue);
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(v as Record<string, unknown>)) out[k] = toJsonValue((v as Record<string, unknown>)[k]);
  return out;
}

/** encoding/json.Marshal: sorted map keys, HTML-safe escaping, float64 formatting. */
export function goJsonMarshal(v: unknown): string {
  return marshal(toJsonValue(v));
}

function marshal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return jsonNumber(v);
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(marshal).join(',')}]`;
  const m = v as Record<string, unknown>;
  return `{${Object.keys(m)
    .map((k) => `${jsonString(k)}:${marshal(m[k])}`)
    .join(',')}}`;
}

function jsonNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    const [m, e] = n.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${Math.abs(exp) < 10 ? '0' : ''}${Math.abs(exp)}`;
  }
  return String(n);
}

export function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** JSON-decoded data as Go's encoding/json gives it to interface{}: every number a float64. */
export function fromJsonValue(v: unknown): unknown {
  if (typeof v === 'number') return new GoFloat(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromJsonValue);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = fromJsonValue(x);
  return out;
}
