// Parsing the YAML an injection template renders (once per pod, the hot spot of the templated path). A fast
// reader for the block YAML templates produce — block mappings and sequences, plain/quoted scalars on one
// line, literal block scalars, one-line JSON flow collections — that hands anything else (anchors, tags,
// folded or multi-line scalars, flow YAML that is not JSON, …) to the `yaml` package, which defines the result.
import { parse } from 'yaml';
import { setBounded } from '../memoise';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Unsupported extends Error {}

const YAML_OPTIONS = { version: '1.1', uniqueKeys: false } as const;

/** Parses rendered template YAML as YAML 1.1 (what Istio's yaml.v2 reads), fast for the common shapes. */
export function parseOverlayYaml(text: string): unknown {
  const fast = readCommonYaml(text);
  return fast === UNSUPPORTED ? parse(text, YAML_OPTIONS) : fast;
}

export const UNSUPPORTED: unique symbol = Symbol('not for the fast reader');

/** The fast reader alone: UNSUPPORTED when the text needs the full parser. */
export function readCommonYaml(text: string): unknown {
  try {
    return new Reader(text).document();
  } catch (e) {
    if (e instanceof Unsupported) return UNSUPPORTED;
    throw e;
  }
}

const scalarCache = new Map<string, Json>();

/**
 * Lines and mapping entries seen before. A template renders nearly the same lines for pod after pod, so most
 * lines are found here; their strings come back with their hashes computed, which makes the next lookups
 * (entries by text, scalars) cheap too. Each map is emptied when it grows past its bound.
 */
const knownLines = new Map<string, { indent: number; text: string }>();
const knownEntries = new Map<string, Entry | null>();
const KNOWN_BOUND = 20000;
/** Characters a plain mapping key cannot start with ('-' only when followed by a space, ':' or '#'). */
const KEY_START = new Set([...':#\'"[]{},&*!|>%@`?-']);
const NON_STRING_WORDS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
/** The reader takes printable ASCII lines only, so within a line the only white space is ' '. */
const PRINTABLE_ASCII = /^[\x20-\x7e\n]*$/;

/** A plain scalar that can only be a string: a letter, '_', '/' or '$' first, no ':' or '#', no YAML 1.1 bool/null word. */
function obviousString(s: string): boolean {
  const c = s.charCodeAt(0);
  const first = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 47 || c === 36;
  return first && s.indexOf(':') < 0 && s.indexOf('#') < 0 && (s.length > 5 || !NON_STRING_WORDS.test(s));
}

/** A string of its own (not a slice holding its parent alive); the reader's text is printable ASCII. */
function ownCopy(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'latin1').toString('latin1');
}

function plainScalar(s: string): Json {
  if (s === '' || s === '~') return null;
  if (obviousString(s)) return s;
  if (/^[&*!|>%@`'"[\]{},#?]/.test(s) || /^-(\s|$)/.test(s)) throw new Unsupported();
  let v = scalarCache.get(s);
  if (v === undefined && !scalarCache.has(s)) {
    v = parse(s, YAML_OPTIONS) as Json;
    if (scalarCache.size < 10000) scalarCache.set(s, v);
  }
  return v as Json;
}

function doubleQuoted(s: string): string {
  // Without escapes (and printable ASCII, see Reader), the text between the quotes is the string.
  if (s.indexOf('\\') < 0) return s.slice(1, -1);
  // JSON's escapes are a subset of YAML's double-quoted ones; anything else goes to the full parser.
  if (/\\[^"\\/bfnrtu]/.test(s)) throw new Unsupported();
  try {
    return JSON.parse(s);
  } catch {
    throw new Unsupported();
  }
}

/** A mapping entry's key and the rest of its line (`keyOf`). */
interface Entry {
  key: string;
  rest: string;
}

/**
 * The lines as parallel arrays (indentation, text without it, the raw line): one pass over the text and no
 * object per line, since the reader runs once per injected pod.
 */
class Reader {
  private readonly indents: number[];
  private readonly texts: string[];
  private readonly raws: string[];
  private readonly count: number;
  private i = 0;

  constructor(text: string) {
    if (!PRINTABLE_ASCII.test(text)) throw new Unsupported();
    this.raws = text.split('\n');
    this.count = this.raws.length;
    this.indents = new Array<number>(this.count);
    this.texts = new Array<string>(this.count);
    for (let j = 0; j < this.count; j++) {
      const raw = this.raws[j];
      let line = knownLines.get(raw);
      if (line === undefined) {
        // A line of split() is a slice that keeps the whole rendered text alive: cached, it is copied.
        const own = ownCopy(raw);
        let indent = 0;
        while (own.charCodeAt(indent) === 32) indent++;
        line = { indent, text: indent === 0 ? own : own.slice(indent) };
        setBounded(knownLines, own, line, KNOWN_BOUND);
      }
      this.indents[j] = line.indent;
      this.texts[j] = line.text;
    }
  }

  private skipBlank(): void {
    while (this.i < this.count) {
      const text = this.texts[this.i];
      if (text !== '' && text.charCodeAt(0) !== 35) return; // '#'
      this.i++;
    }
  }

  document(): Json {
    this.skipBlank();
    if (this.i >= this.count) return null;
    const first = this.texts[this.i];
    if (first.startsWith('---') || first.startsWith('%')) throw new Unsupported();
    const v = this.block(this.indents[this.i]);
    this.skipBlank();
    if (this.i < this.count) throw new Unsupported();
    return v;
  }

  private block(indent: number): Json {
    return isSequenceItem(this.texts[this.i]) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): Json[] {
    const out: Json[] = [];
    for (;;) {
      this.skipBlank();
      if (this.i >= this.count || this.indents[this.i] < indent) return out;
      if (this.indents[this.i] > indent) throw new Unsupported();
      const text = this.texts[this.i];
      if (!isSequenceItem(text)) return out;
      if (text === '-') {
        this.i++;
        this.skipBlank();
        if (this.i >= this.count || this.indents[this.i] <= indent) out.push(null);
        else out.push(this.block(this.indents[this.i]));
        continue;
      }
      // "- item": the item starts at the column after "- " (and more spaces).
      let pad = 1;
      while (text.charCodeAt(pad) === 32) pad++;
      const col = indent + pad;
      const itemText = text.slice(pad);
      if (isSequenceItem(itemText)) {
        this.indents[this.i] = col;
        this.texts[this.i] = itemText;
        out.push(this.sequence(col));
      } else if (this.keyOf(itemText) !== undefined) {
        this.indents[this.i] = col;
        this.texts[this.i] = itemText;
        out.push(this.mapping(col));
      } else {
        this.i++;
        out.push(this.inlineValue(itemText, col));
      }
    }
  }

  /** The key and the rest of the line when `text` is a mapping entry. */
  private keyOf(text: string): Entry | undefined {
    let entry = knownEntries.get(text);
    if (entry === undefined) {
      entry = readEntry(text) ?? null;
      setBounded(knownEntries, text, entry, KNOWN_BOUND);
    }
    return entry ?? undefined;
  }

  private mapping(indent: number): { [k: string]: Json } {
    const out: { [k: string]: Json } = {};
    for (;;) {
      this.skipBlank();
      if (this.i >= this.count || this.indents[this.i] < indent) return out;
      if (this.indents[this.i] > indent) throw new Unsupported();
      const entry = this.keyOf(this.texts[this.i]);
      if (!entry) throw new Unsupported();
      if (entry.key === '<<') throw new Unsupported();
      this.i++;
      const rest = entry.rest;
      if (rest === '' || rest.charCodeAt(0) === 35) {
        this.skipBlank();
        if (this.i < this.count && this.indents[this.i] > indent) out[entry.key] = this.block(this.indents[this.i]);
        else if (this.i < this.count && this.indents[this.i] === indent && isSequenceItem(this.texts[this.i])) out[entry.key] = this.sequence(indent);
        else out[entry.key] = null;
      } else {
        out[entry.key] = this.inlineValue(rest, indent);
      }
    }
  }

  /** A value on the line (after `key: ` or `- `); block scalars read the following lines. */
  private inlineValue(text: string, parentIndent: number): Json {
    const first = text.charCodeAt(0);
    if (first === 124) return this.literal(text, parentIndent); // '|'
    if (first === 62) throw new Unsupported(); // '>'
    if (first === 34) {
      // '"'
      const end = closingQuote(text);
      if (end < 0) throw new Unsupported();
      if (end + 1 < text.length && !/^\s*(#.*)?$/.test(text.slice(end + 1))) throw new Unsupported();
      this.noContinuation(parentIndent);
      return doubleQuoted(text.slice(0, end + 1));
    }
    if (first === 39) {
      // "'"
      const m = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
      if (!m) throw new Unsupported();
      this.noContinuation(parentIndent);
      return m[1].replace(/''/g, "'");
    }
    if (first === 91 || first === 123) return this.flow(text); // '[' '{'
    const hash = text.indexOf(' #');
    const plain = (hash >= 0 ? text.slice(0, hash) : text).trimEnd();
    if (plain.indexOf(': ') >= 0 || plain.endsWith(':')) throw new Unsupported();
    this.noContinuation(parentIndent);
    return plainScalar(plain);
  }

  /** A flow collection, possibly over several lines (`annotations: {` … `}`). */
  private flow(first: string): Json {
    let text = first;
    let depth = flowDepth(first);
    while (depth > 0) {
      if (this.i >= this.count) throw new Unsupported();
      const line = this.texts[this.i];
      text += '\n' + line;
      depth += flowDepth(line);
      this.i++;
    }
    const p = new FlowParser(text);
    const v = p.value();
    p.end();
    return v;
  }

  /** A scalar continued on a more-indented line is a multi-line scalar: not for the fast path. */
  private noContinuation(parentIndent: number): void {
    let j = this.i;
    while (j < this.count && this.texts[j] === '') j++;
    if (j < this.count && this.indents[j] > parentIndent && this.texts[j].charCodeAt(0) !== 35) throw new Unsupported();
  }

  private literal(header: string, parentIndent: number): string {
    // Keep-chomping (|+) and explicit indentation are left to the full parser.
    const m = /^\|(-?)\s*(#.*)?$/.exec(header);
    if (!m) throw new Unsupported();
    const chomp = m[1];
    const body: string[] = [];
    let indent = -1;
    while (this.i < this.count) {
      if (this.texts[this.i] === '') {
        body.push('');
        this.i++;
        continue;
      }
      const lineIndent = this.indents[this.i];
      if (indent < 0) {
        if (lineIndent <= parentIndent) break;
        indent = lineIndent;
      }
      if (lineIndent < indent) break;
      body.push(this.raws[this.i].slice(indent));
      this.i++;
    }
    while (body.length && body[body.length - 1] === '') body.pop();
    if (body.length === 0) return '';
    const text = body.join('\n');
    if (chomp === '-') return text;
    return text + '\n';
  }
}

/** The key and the rest of the line when `text` is a mapping entry. */
function readEntry(text: string): Entry | undefined {
  let key: string;
  let after: number;
  const first = text.charCodeAt(0);
  if (first === 34) {
    // '"'
    const end = text.indexOf('"', 1);
    if (end < 0 || text.slice(1, end).includes('\\')) throw new Unsupported();
    key = text.slice(1, end);
    after = end + 1;
  } else if (first === 39) {
    // "'"
    const end = text.indexOf("'", 1);
    if (end < 0 || text[end + 1] === "'") throw new Unsupported();
    key = text.slice(1, end);
    after = end + 1;
  } else {
    // A plain key: no ':' or '#' in it, ended by ':' and a space (or the line's end).
    let colon = -1;
    for (let j = 0; j < text.length; j++) {
      const ch = text.charCodeAt(j);
      if (ch === 35) break; // '#'
      if (ch === 58) {
        // ':' ends the key when a space or the line's end follows
        if (j + 1 === text.length || text.charCodeAt(j + 1) === 32) colon = j;
        break;
      }
    }
    const startsOk = !KEY_START.has(text[0]) || (first === 45 && text[1] !== undefined && !/[\s:#]/.test(text[1]));
    key = colon > 0 ? (text.charCodeAt(colon - 1) === 32 ? text.slice(0, colon).trimEnd() : text.slice(0, colon)) : '';
    if (colon <= 0 || !startsOk || key === '' || first === 32) {
      if (/:(\s|$)/.test(text) && !/^["'[{]/.test(text)) throw new Unsupported();
      return undefined;
    }
    if (!obviousString(key) && typeof plainScalar(key) !== 'string') throw new Unsupported();
    return { key, rest: colon + 1 === text.length ? '' : text.slice(colon + 1).trim() };
  }
  const tail = text.slice(after);
  const m = /^\s*:(\s|$)/.exec(tail);
  if (!m) return undefined;
  return { key, rest: tail.slice(m[0].length).trim() };
}

/** A block sequence item: "-" alone or "- " and the item. */
function isSequenceItem(text: string): boolean {
  return text.charCodeAt(0) === 45 && (text.length === 1 || text.charCodeAt(1) === 32);
}

function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Net bracket depth of a line of flow YAML (quotes respected). */
function flowDepth(line: string): number {
  let d = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      for (i++; i < line.length && line[i] !== '"'; i++) if (line[i] === '\\') i++;
    } else if (c === "'") {
      for (i++; i < line.length && !(line[i] === "'" && line[i + 1] !== "'"); i++) if (line[i] === "'") i++;
    } else if (c === '{' || c === '[') d++;
    else if (c === '}' || c === ']') d--;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) break;
  }
  return d;
}

/** Flow mappings and sequences with quoted or plain scalars (the templates' `annotations: { … }`). */
class FlowParser {
  private i = 0;

  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
    if (this.s[this.i] === '#') throw new Unsupported();
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) throw new Unsupported();
  }

  value(): Json {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.map();
    if (c === '[') return this.seq();
    return this.scalar();
  }

  private scalar(): Json {
    const c = this.s[this.i];
    if (c === '"') {
      const end = closingQuote(this.s.slice(this.i));
      if (end < 0) throw new Unsupported();
      const raw = this.s.slice(this.i, this.i + end + 1);
      if (raw.includes('\n')) throw new Unsupported();
      this.i += end + 1;
      return doubleQuoted(raw);
    }
    if (c === "'") {
      const m = /^'((?:[^'\n]|'')*)'/.exec(this.s.slice(this.i));
      if (!m) throw new Unsupported();
      this.i += m[0].length;
      return m[1].replace(/''/g, "'");
    }
    const m = /^[^,[\]{}\n]*/.exec(this.s.slice(this.i))!;
    const text = m[0].trim();
    if (/:(\s|$)/.test(text)) throw new Unsupported();
    this.i += m[0].length;
    return plainScalar(text);
  }

  private key(): string {
    this.ws();
    const c = this.s[this.i];
    if (c === '"' || c === "'") {
      const k = this.scalar();
      if (typeof k !== 'string') throw new Unsupported();
      return k;
    }
    const m = /^([^,[\]{}\n:#]+?):(\s)/.exec(this.s.slice(this.i));
    if (!m) throw new Unsupported();
    const key = m[1].trim();
    if (typeof plainScalar(key) !== 'string') throw new Unsupported();
    this.i += m[1].length;
    return key;
  }

  private map(): Json {
    this.i++;
    const out: { [k: string]: Json } = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.key();
      this.ws();
      if (this.s[this.i] !== ':') throw new Unsupported();
      this.i++;
      this.ws();
      out[key] = this.s[this.i] === ',' || this.s[this.i] === '}' ? null : this.value();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new Unsupported();
    }
  }

  private seq(): Json {
    this.i++;
    const out: Json[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== ']') throw new Unsupported();
    }
  }
}
