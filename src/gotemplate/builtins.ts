// text/template's predefined functions (text/template/funcs.go).
import type { FuncMap } from './exec';
import { sprint, sprintf, sprintln } from './fmt';
import { GoFloat, basicKind, basicValue, elemType, goTypeOf, isGoObject, isMap, isTrue, zeroOf } from './values';

function indexArg(v: unknown, cap: number): number {
  const k = basicKind(v);
  if (k !== 'int') {
    if (v === undefined || v === null) throw new Error('cannot index slice/array with nil');
    throw new Error(`cannot index slice/array with type ${goTypeOf(v)}`);
  }
  const x = basicValue(v) as number;
  if (x < 0 || x >= cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  for (const ix of indexes) {
    if (item === undefined || item === null) throw new Error('index of untyped nil');
    if (typeof item === 'string') {
      item = item.charCodeAt(indexArg(ix, Buffer.byteLength(item)));
    } else if (Array.isArray(item)) {
      item = item[indexArg(ix, item.length)];
    } else if (isMap(item)) {
      if (typeof ix !== 'string') {
        if (ix === undefined || ix === null) throw new Error('value is nil; should be of type string');
        throw new Error(`value has type ${goTypeOf(ix)}; should be string`);
      }
      item = Object.prototype.hasOwnProperty.call(item, ix) ? item[ix] : zeroOf(elemType(item));
    } else {
      throw new Error(`can't index item of type ${goTypeOf(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = item.length;
  } else if (Array.isArray(item)) len = item.length;
  else throw new Error(`can't slice item of type ${goTypeOf(item)}`);
  const idx = [0, len];
  for (let i = 0; i < indexes.length; i++) idx[i] = indexArg(indexes[i], len + 1);
  if (idx[0] > idx[1]) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  return typeof item === 'string' ? item.slice(idx[0], idx[1]) : item.slice(idx[0], idx[1]);
}

function length(item: unknown): number {
  if (item === undefined || item === null) throw new Error('len of nil pointer');
  if (typeof item === 'string') return Buffer.byteLength(item);
  if (Array.isArray(item)) return item.length;
  if (isMap(item)) return Object.keys(item).length;
  throw new Error(`len of type ${goTypeOf(item)}`);
}

const ERR_BAD_COMPARISON = 'incompatible types for comparison';
const ERR_BAD_COMPARISON_TYPE = 'invalid type for comparison';

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (arg1 !== undefined && arg1 !== null && arg !== undefined && arg !== null) {
        throw new Error(`${ERR_BAD_COMPARISON}: ${goTypeOf(arg1)} and ${goTypeOf(arg)}`);
      }
    } else if (k1 === 'other') {
      if (isMap(arg1) || Array.isArray(arg1) || isMap(arg) || Array.isArray(arg)) {
        throw new Error(`non-comparable types ${sprint([arg1])}: ${goTypeOf(arg1)}, ${goTypeOf(arg)}: ${goTypeOf(arg)}`);
      }
      truth = arg1 === arg;
    } else if (k1 === 'invalid') {
      truth = true;
    } else {
      truth = basicValue(arg1) === basicValue(arg);
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'other' || k1 === 'invalid' || k1 === 'bool') throw new Error(ERR_BAD_COMPARISON_TYPE);
  if (k2 === 'other' || k2 === 'invalid' || k2 === 'bool') throw new Error(ERR_BAD_COMPARISON_TYPE);
  if (k1 !== k2) throw new Error(`${ERR_BAD_COMPARISON}: ${goTypeOf(a)} and ${goTypeOf(b)}`);
  return (basicValue(a) as number | string) < (basicValue(b) as number | string);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (c < 0x20) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Args of html/js/urlquery: one string is used as is, anything else is Sprint-ed. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined ? null : a)));
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (typeof fn !== 'function') {
    if (fn === undefined || fn === null) throw new Error('call of nil');
    throw new Error(`non-function of type ${goTypeOf(fn)}`);
  }
  return fn(...args);
}

export const BUILTINS: FuncMap = {
  and: { params: ['reflect.Value'], variadic: 'reflect.Value', lazy: 'and', fn: () => undefined },
  or: { params: ['reflect.Value'], variadic: 'reflect.Value', lazy: 'or', fn: () => undefined },
  not: { params: ['reflect.Value'], fn: (v: unknown) => !isTrue(v) },
  call: { params: ['reflect.Value'], variadic: 'reflect.Value', fn: call },
  html: { params: [], variadic: 'any', fn: (...a: unknown[]) => htmlEscape(evalArgs(a)) },
  index: { params: ['reflect.Value'], variadic: 'reflect.Value', fn: index },
  slice: { params: ['reflect.Value'], variadic: 'reflect.Value', fn: slice },
  js: { params: [], variadic: 'any', fn: (...a: unknown[]) => jsEscape(evalArgs(a)) },
  len: { params: ['reflect.Value'], fn: length },
  print: { params: [], variadic: 'any', fn: (...a: unknown[]) => sprint(a) },
  printf: { params: ['string'], variadic: 'any', fn: (f: string, ...a: unknown[]) => sprintf(f, a) },
  println: { params: [], variadic: 'any', fn: (...a: unknown[]) => sprintln(a) },
  urlquery: { params: [], variadic: 'any', fn: (...a: unknown[]) => queryEscape(evalArgs(a)) },
  eq: { params: ['reflect.Value'], variadic: 'reflect.Value', fn: eq },
  ge: { params: ['reflect.Value', 'reflect.Value'], fn: (a: unknown, b: unknown) => !lt(a, b) },
  gt: { params: ['reflect.Value', 'reflect.Value'], fn: (a: unknown, b: unknown) => !lt(a, b) && !eq(a, b) },
  le: { params: ['reflect.Value', 'reflect.Value'], fn: (a: unknown, b: unknown) => lt(a, b) || eq(a, b) },
  lt: { params: ['reflect.Value', 'reflect.Value'], fn: lt },
  ne: { params: ['reflect.Value', 'reflect.Value'], fn: (a: unknown, b: unknown) => !eq(a, b) },
};

export { GoFloat };
void isGoObject;
