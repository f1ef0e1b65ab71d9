// The parts of Go's fmt and strconv that templates reach: Sprint, Sprintln, Sprintf, strconv.Quote.
import { GoFloat, formatFloat, formatValue, goTypeOf, isGoObject } from './values';

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(args[i]);
  }
  return out;
}

/** fmt.Sprintln: always spaces, and a newline. */
export function sprintln(args: unknown[]): string {
  return args.map((a) => formatValue(a)).join(' ') + '\n';
}

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (!isPrintable(c)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function isPrintable(c: number): boolean {
  if (c >= 0x80 && c < 0xa0) return false;
  if (c === 0xad) return false;
  if (c >= 0xd800 && c <= 0xdfff) return false;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]/u.test(String.fromCodePoint(c));
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

function pad(s: string, spec: Spec): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  const fill = spec.width - [...s].length;
  if (fill <= 0) return s;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && /^[+-]?[0-9]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeOf(v)}=${formatValue(v)})`;
}

function intOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (isGoObject(v) && v.basic?.kind === 'int') return v.basic.value;
  return undefined;
}

function formatOne(verb: string, v: unknown, spec: Spec): string {
  switch (verb) {
    case 'v':
      if (spec.plus || spec.sharp) return pad(formatValue(v), spec);
      if (v instanceof GoFloat && spec.prec !== undefined) return pad(v.value.toFixed(spec.prec), spec);
      return pad(formatValue(v), spec);
    case 's': {
      if (typeof v === 'string') return pad(spec.prec !== undefined ? [...v].slice(0, spec.prec).join('') : v, spec);
      if (isGoObject(v) && v.stringer) return pad(v.stringer(), spec);
      if (Array.isArray(v) || (typeof v === 'object' && v !== null && !(v instanceof GoFloat) && !isGoObject(v))) return pad(formatValue(v), spec);
      return badVerb(verb, v);
    }
    case 'q':
      if (typeof v === 'string') return pad(goQuote(v), spec);
      if (typeof v === 'number') return pad(`'${String.fromCodePoint(v)}'`, spec);
      return badVerb(verb, v);
    case 'd': {
      const n = intOf(v);
      if (n === undefined) return badVerb(verb, v);
      return pad((spec.plus && n >= 0 ? '+' : spec.space && n >= 0 ? ' ' : '') + String(n), spec);
    }
    case 't':
      if (typeof v === 'boolean') return pad(String(v), spec);
      return badVerb(verb, v);
    case 'x':
    case 'X': {
      let s: string | undefined;
      const n = intOf(v);
      if (n !== undefined) s = (n < 0 ? '-' : '') + Math.abs(n).toString(16);
      else if (typeof v === 'string') s = Buffer.from(v, 'utf8').toString('hex');
      if (s === undefined) return badVerb(verb, v);
      if (spec.sharp) s = '0x' + s;
      return pad(verb === 'X' ? s.toUpperCase() : s, spec);
    }
    case 'o': {
      const n = intOf(v);
      if (n === undefined) return badVerb(verb, v);
      return pad(n.toString(8), spec);
    }
    case 'b': {
      const n = intOf(v);
      if (n === undefined) return badVerb(verb, v);
      return pad(n.toString(2), spec);
    }
    case 'c': {
      const n = intOf(v);
      if (n === undefined) return badVerb(verb, v);
      return pad(String.fromCodePoint(n), spec);
    }
    case 'f':
    case 'F':
    case 'e':
    case 'g': {
      if (!(v instanceof GoFloat)) return badVerb(verb, v);
      const f = v.value;
      let s: string;
      if (verb === 'e') s = expForm(f.toExponential(spec.prec ?? 6));
      else if (verb === 'g') s = spec.prec === undefined ? formatFloat(f) : expOrFixed(f, spec.prec);
      else s = f.toFixed(spec.prec ?? 6);
      if (spec.plus && f >= 0) s = '+' + s;
      return pad(s, spec);
    }
    case 'T':
      return pad(goTypeOf(v), spec);
  }
  return badVerb(verb, v);
}

function expForm(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function expOrFixed(f: number, prec: number): string {
  const p = prec === 0 ? 1 : prec;
  const exp = f === 0 ? 0 : Math.floor(Math.log10(Math.abs(f)));
  if (exp < -4 || exp >= p) return expForm(Number(f.toExponential(p - 1)).toExponential().replace(/\.?0+e/, 'e'));
  return String(Number(f.toPrecision(p)));
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = !spec.minus;
      else break;
    }
    const num = () => {
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    if (format[i] === '*') {
      i++;
      const w = intOf(args[argi++]);
      spec.width = w;
    } else spec.width = num();
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        spec.prec = intOf(args[argi++]);
      } else spec.prec = num() ?? 0;
    }
    const verb = format[i++];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => `${goTypeOf(a)}=${formatValue(a)}`).join(', ') + ')';
  }
  return out;
}
