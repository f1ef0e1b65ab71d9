// The Sprig (github.com/Masterminds/sprig/v3) functions that Istio's injection templates use, plus its
// common cheap ones, with Sprig's semantics (empty values count as unset, strval for any → string).
import { createHash } from 'node:crypto';
import type { FuncMap, GoFunc } from './exec';
import { goQuote } from './fmt';
import { GoFloat, basicKind, formatValue, fromJsonValue, goJsonMarshal, goTypeOf, isGoObject, isMap, toJsonValue, typed } from './values';

/** Sprig's empty: nil, zero numbers, false, empty strings/collections; structs never. */
export function empty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (typeof v) {
    case 'string':
      return v === '';
    case 'boolean':
      return !v;
    case 'number':
      return v === 0;
  }
  if (v instanceof GoFloat) return v.value === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (isGoObject(v)) {
    if (v.isNil) return true;
    if (v.basic) return v.basic.kind === 'int' ? v.basic.value === 0 : v.basic.value === '';
    return false;
  }
  return Object.keys(v as object).length === 0;
}

/** Sprig's strval: strings as they are, Stringers by String(), anything else by %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isGoObject(v) && v.stringer && !v.isNil) return v.stringer();
  return formatValue(v === undefined ? null : v);
}

function toStrSlice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

/** spf13/cast's ToInt64E, errors as 0. */
function toInt(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (v instanceof GoFloat) return Math.trunc(v.value);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.exec(s.replace(/_/g, ''));
    if (!m) return 0;
    const body = m[2];
    const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : /^0[bB]/.test(body) ? parseInt(body.slice(2), 2) : /^0[oO]/.test(body) ? parseInt(body.slice(2), 8) : /^0[0-7]/.test(body) ? parseInt(body.slice(1), 8) : Number(body);
    return m[1] === '-' ? -n : n;
  }
  if (isGoObject(v) && v.basic?.kind === 'int') return v.basic.value;
  return 0;
}

function toFloat(v: unknown): number {
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return Number.isNaN(n) || v.trim() === '' ? 0 : n;
  }
  if (v instanceof GoFloat) return v.value;
  return toInt(v);
}

function asList(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new Error(`Cannot ${fn} on type ${goTypeOf(v)}`);
}

function indent(spaces: number, v: string): string {
  const pad = ' '.repeat(Math.max(0, spaces));
  return pad + v.split('\n').join('\n' + pad);
}

function trunc(c: number, s: string): string {
  if (c < 0 && s.length + c > 0) return s.slice(s.length + c);
  if (c >= 0 && s.length > c) return s.slice(0, c);
  return s;
}

function trimSet(s: string, cut: string, left: boolean, right: boolean): string {
  const set = new Set([...cut]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && set.has(chars[a])) a++;
  if (right) while (b > a && set.has(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}

function dict(...kv: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < kv.length; i += 2) out[strval(kv[i])] = i + 1 < kv.length ? kv[i + 1] : '';
  return out;
}

function jsonOf(v: unknown, indentBy?: string, escapeHtml = true): string {
  const plain = toJsonValue(v);
  if (indentBy === undefined) return escapeHtml ? goJsonMarshal(v) : JSON.stringify(plain) ?? 'null';
  const s = JSON.stringify(plain, null, indentBy) ?? 'null';
  return escapeHtml ? s.replace(/[<>&]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : s;
}

function fromJsonText(s: string): unknown {
  try {
    return fromJsonValue(JSON.parse(s));
  } catch {
    return {};
  }
}

const any1 = (fn: (a: any) => unknown): GoFunc => ({ params: ['any'], fn }); // eslint-disable-line @typescript-eslint/no-explicit-any
const str1 = (fn: (a: string) => unknown): GoFunc => ({ params: ['string'], fn });
const str2 = (fn: (a: string, b: string) => unknown): GoFunc => ({ params: ['string', 'string'], fn });
const MAP = 'map[string]interface {}';

export const SPRIG: FuncMap = {
  default: { params: ['any'], variadic: 'any', fn: (d: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? d : given[0]) },
  empty: any1(empty),
  coalesce: { params: [], variadic: 'any', fn: (...v: unknown[]) => v.find((x) => !empty(x)) ?? null },
  ternary: { params: ['any', 'any', 'bool'], fn: (t: unknown, f: unknown, c: boolean) => (c ? t : f) },
  quote: { params: [], variadic: 'any', fn: (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map((x) => goQuote(strval(x))).join(' ') },
  squote: { params: [], variadic: 'any', fn: (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map((x) => `'${strval(x)}'`).join(' ') },
  cat: { params: [], variadic: 'any', fn: (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map(strval).join(' ') },
  toJson: any1((v) => jsonOf(v)),
  toPrettyJson: any1((v) => jsonOf(v, '  ')),
  toRawJson: any1((v) => jsonOf(v, undefined, false)),
  fromJson: str1(fromJsonText),
  indent: { params: ['int', 'string'], fn: indent },
  nindent: { params: ['int', 'string'], fn: (n: number, v: string) => '\n' + indent(n, v) },
  trim: str1((s) => s.trim()),
  trimAll: str2((cut, s) => trimSet(s, cut, true, true)),
  trimPrefix: str2((p, s) => (s.startsWith(p) ? s.slice(p.length) : s)),
  trimSuffix: str2((p, s) => (p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s)),
  upper: str1((s) => s.toUpperCase()),
  lower: str1((s) => s.toLowerCase()),
  title: str1((s) => s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase())),
  repeat: { params: ['int', 'string'], fn: (n: number, s: string) => s.repeat(Math.max(0, n)) },
  substr: { params: ['int', 'int', 'string'], fn: (a: number, b: number, s: string) => (a < 0 ? s.slice(0, b) : b < 0 || b > s.length ? s.slice(a) : s.slice(a, b)) },
  nospace: str1((s) => s.replace(/\s/g, '')),
  trunc: { params: ['int', 'string'], fn: trunc },
  contains: str2((sub, s) => s.includes(sub)),
  hasPrefix: str2((p, s) => s.startsWith(p)),
  hasSuffix: str2((p, s) => s.endsWith(p)),
  replace: { params: ['string', 'string', 'string'], fn: (o: string, n: string, s: string) => s.split(o).join(n) },
  split: str2((sep, s) => typed(Object.fromEntries(s.split(sep).map((p, i) => [`_${i}`, p])), 'map[string]string')),
  splitList: str2((sep, s) => typed(s.split(sep), '[]string')),
  join: { params: ['string', 'any'], fn: (sep: string, v: unknown) => toStrSlice(v).join(sep) },
  sortAlpha: any1((v) => typed(toStrSlice(v).sort(), '[]string')),
  toString: any1(strval),
  toStrings: any1((v) => typed(toStrSlice(v), '[]string')),
  atoi: str1((s) => (/^[+-]?\d+$/.test(s) ? Number(s) : 0)),
  int: any1(toInt),
  int64: any1(toInt),
  float64: any1((v) => new GoFloat(toFloat(v))),
  add1: any1((v) => toInt(v) + 1),
  add: { params: [], variadic: 'any', fn: (...v: unknown[]) => v.reduce<number>((a, x) => a + toInt(x), 0) },
  sub: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => toInt(a) - toInt(b) },
  mul: { params: ['any'], variadic: 'any', fn: (a: unknown, ...v: unknown[]) => v.reduce<number>((p, x) => p * toInt(x), toInt(a)) },
  div: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => Math.trunc(toInt(a) / toInt(b)) },
  mod: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => toInt(a) % toInt(b) },
  max: { params: ['any'], variadic: 'any', fn: (a: unknown, ...v: unknown[]) => Math.max(toInt(a), ...v.map(toInt)) },
  min: { params: ['any'], variadic: 'any', fn: (a: unknown, ...v: unknown[]) => Math.min(toInt(a), ...v.map(toInt)) },
  list: { params: [], variadic: 'any', fn: (...v: unknown[]) => v },
  append: { params: ['any', 'any'], fn: (l: unknown, v: unknown) => [...asList(l, 'push'), v] },
  push: { params: ['any', 'any'], fn: (l: unknown, v: unknown) => [...asList(l, 'push'), v] },
  prepend: { params: ['any', 'any'], fn: (l: unknown, v: unknown) => [v, ...asList(l, 'prepend')] },
  first: any1((l) => (asList(l, 'find first').length ? (l as unknown[])[0] : null)),
  last: any1((l) => (asList(l, 'find last').length ? (l as unknown[])[(l as unknown[]).length - 1] : null)),
  rest: any1((l) => asList(l, 'find rest').slice(1)),
  initial: any1((l) => asList(l, 'find initial').slice(0, -1)),
  reverse: any1((l) => [...asList(l, 'find reverse')].reverse()),
  uniq: any1((l) => asList(l, 'find uniq').filter((x, i, a) => a.findIndex((y) => formatValue(y) === formatValue(x) && goTypeOf(y) === goTypeOf(x)) === i)),
  compact: any1((l) => asList(l, 'compact').filter((x) => !empty(x))),
  slice: {
    params: ['any'],
    variadic: 'any',
    fn: (l: unknown, ...ix: unknown[]) => {
      if (!Array.isArray(l)) throw new Error(`list should be type of slice or array but ${kindOf(l)}`);
      const start = ix.length > 0 ? toInt(ix[0]) : 0;
      const end = ix.length > 1 ? toInt(ix[1]) : l.length;
      if (start < 0 || end > l.length || start > end) throw new Error(`slice bounds out of range [${start}:${end}]`);
      return l.slice(start, end);
    },
  },
  has: { params: ['any', 'any'], fn: (needle: unknown, hay: unknown) => Array.isArray(hay) && hay.some((x) => x === needle || (x instanceof GoFloat && needle instanceof GoFloat && x.value === needle.value)) },
  concat: { params: [], variadic: 'any', fn: (...ls: unknown[]) => ls.flatMap((l) => asList(l, 'concat')) },
  dict: { params: [], variadic: 'any', fn: dict },
  get: { params: [MAP, 'string'], fn: (d: Record<string, unknown>, k: string) => (d && k in d ? d[k] : '') },
  set: { params: [MAP, 'string', 'any'], fn: (d: Record<string, unknown>, k: string, v: unknown) => Object.assign(d, { [k]: v }) },
  unset: { params: [MAP, 'string'], fn: (d: Record<string, unknown>, k: string) => (delete d[k], d) },
  hasKey: { params: [MAP, 'string'], fn: (d: Record<string, unknown> | null, k: string) => d !== null && Object.prototype.hasOwnProperty.call(d, k) },
  pluck: { params: ['string'], variadic: MAP, fn: (k: string, ...ds: Record<string, unknown>[]) => ds.filter((d) => d && k in d).map((d) => d[k]) },
  b64enc: str1((s) => Buffer.from(s, 'utf8').toString('base64')),
  b64dec: str1((s) => Buffer.from(s, 'base64').toString('utf8')),
  sha256sum: str1((s) => createHash('sha256').update(s).digest('hex')),
  regexMatch: str2((re, s) => new RegExp(re).test(s)),
  regexReplaceAll: { params: ['string', 'string', 'string'], fn: (re: string, s: string, r: string) => s.replace(new RegExp(re, 'g'), r.replace(/\$\{?(\w+)\}?/g, '$$<$1>').replace(/\$<(\d+)>/g, '$$$1')) },
  kindOf: any1((v) => kindOf(v)),
  typeOf: any1((v) => goTypeOf(v)),
  kindIs: { params: ['string', 'any'], fn: (k: string, v: unknown) => kindOf(v) === k },
  typeIs: { params: ['string', 'any'], fn: (t: string, v: unknown) => goTypeOf(v) === t },
  deepEqual: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => JSON.stringify(toJsonValue(a)) === JSON.stringify(toJsonValue(b)) && goTypeOf(a) === goTypeOf(b) },
  fail: str1((msg) => {
    throw new Error(msg);
  }),
};

function kindOf(v: unknown): string {
  switch (basicKind(v)) {
    case 'invalid':
      return 'invalid';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  if (isGoObject(v)) return v.goType.startsWith('*') ? 'ptr' : 'struct';
  return 'func';
}
