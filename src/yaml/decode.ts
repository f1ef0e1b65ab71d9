import { Alias, Document, isAlias, isMap, isScalar, isSeq, Lexer, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { UserError } from '../errors';
import { resolvePlain, type Resolved } from './resolve';
import { shorten } from './split';
import { goFormatFloat } from './go-number';

export interface DecodeLimits {
  maxAliasCount: number;
  maxDepth: number;
}

// Nodes materialised through aliases, over the whole document: bounds memory even when each alias
// points at a large subtree.
const MAX_ALIAS_EXPANDED_NODES = 200_000;

const TAG_PREFIX = 'tag:yaml.org,2002:';

/**
 * Decodes one document into plain JSON-compatible data with the semantics Kubernetes gets from
 * sigs.k8s.io/yaml (go-yaml v2 then JSON): YAML 1.1 booleans, go-yaml's number forms, timestamps kept
 * as text, merge keys, non-string keys turned into strings. Duplicate keys are an error (Kubernetes
 * would silently keep the last one, which hides mistakes).
 */
export function decodeDocument(raw: string, source: string, firstLine: number, limits: DecodeLimits): unknown {
  refuseAbsurdNesting(raw, source, firstLine, limits.maxDepth);
  let doc: Document.Parsed;
  try {
    doc = parseDocument(raw, { schema: 'failsafe', uniqueKeys: false, prettyErrors: false, version: '1.1' });
  } catch (error) {
    if (error instanceof RangeError) throw new UserError(`${source}:${firstLine}: document is too deeply nested`);
    throw error;
  }
  const where = (offset: number | undefined): string => `${source}:${firstLine + lineIndex(raw, offset ?? 0)}`;
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    if (/call stack/i.test(error.message)) throw new UserError(`${where(error.pos[0])}: document is too deeply nested`);
    throw new UserError(`${where(error.pos[0])}: invalid YAML: ${reason(error.message)}`);
  }
  return new Decoder(doc, limits, where).node(doc.contents as YamlNode | null, 0);
}

// Indentation (with compact "- "/"? " indicators and node properties) beyond which a document is refused before
// parsing: each block nesting level needs at least one more column every two levels, so this bounds block depth
// at about twice as many levels, which the parser handles quickly; real manifests stay far below.
const MAX_BLOCK_COLUMN = 1000;
const LEADING_BLOCK_SYNTAX = /(?:[ \t]+|[-?:](?=[ \t]|$)|[&!][^ \t\n]*)*/y;

/**
 * The yaml library parses and composes recursively and slows down sharply with depth (20,000 nested "[" take
 * over a second; a million exhaust the heap), so nesting far beyond `maxDepth` is refused from a linear scan
 * first. Flow depth is counted exactly with the library's own lexer (quoted "[" are not indicators), but only
 * when the document has enough brackets to matter.
 */
export function refuseAbsurdNesting(raw: string, source: string, firstLine: number, maxDepth: number): void {
  let line = 0;
  for (let start = 0; start < raw.length; line++) {
    const end = raw.indexOf('\n', start);
    const stop = end < 0 ? raw.length : end;
    LEADING_BLOCK_SYNTAX.lastIndex = start;
    LEADING_BLOCK_SYNTAX.test(raw);
    if (Math.min(LEADING_BLOCK_SYNTAX.lastIndex, stop) - start > MAX_BLOCK_COLUMN) {
      throw new UserError(`${source}:${firstLine + line}: document is too deeply nested (indented more than ${MAX_BLOCK_COLUMN} columns)`);
    }
    start = stop + 1;
  }
  let brackets = 0;
  for (let i = 0; i < raw.length && brackets <= maxDepth; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) brackets++;
  }
  if (brackets <= maxDepth) return;
  let depth = 0;
  line = 0;
  for (const token of new Lexer().lex(raw)) {
    if (token === '[' || token === '{') depth++;
    else if (token === ']' || token === '}') depth--;
    else for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line++;
    if (depth > maxDepth) throw new UserError(`${source}:${firstLine + line}: too deeply nested (more than ${maxDepth} levels)`);
  }
}

class Decoder {
  private aliasCount = 0;
  private outermostAlias: Alias | null = null;
  private aliasNodes = 0;
  private inAlias = 0;
  private readonly expanding = new Set<YamlNode>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly limits: DecodeLimits,
    private readonly where: (offset: number | undefined) => string,
  ) {}

  node(node: YamlNode | null, depth: number): unknown {
    if (node === null || node === undefined) return null;
    if (depth > this.limits.maxDepth) {
      throw new UserError(`${this.where(node.range?.[0])}: too deeply nested (more than ${this.limits.maxDepth} levels)`);
    }
    if (this.inAlias > 0 && ++this.aliasNodes > MAX_ALIAS_EXPANDED_NODES) this.aliasBomb();
    if (isScalar(node)) return this.scalar(node);
    if (isMap(node)) return this.map(node, depth);
    if (isSeq(node)) {
      const items = (node as YAMLSeq<YamlNode | null>).items;
      const out = new Array<unknown>(items.length);
      for (let i = 0; i < items.length; i++) out[i] = this.node(items[i], depth + 1);
      return out;
    }
    if (isAlias(node)) return this.alias(node, depth);
    throw new UserError(`${this.where(undefined)}: invalid YAML: unexpected node`);
  }

  private alias(alias: Alias, depth: number): unknown {
    if (this.inAlias === 0) this.outermostAlias = alias;
    if (++this.aliasCount > this.limits.maxAliasCount) this.aliasBomb();
    const target = alias.resolve(this.doc) as YamlNode | undefined;
    if (target === undefined) {
      throw new UserError(`${this.where(alias.range?.[0])}: invalid YAML: unknown anchor "${alias.source}"`);
    }
    if (this.expanding.has(target)) {
      throw new UserError(`${this.where(alias.range?.[0])}: invalid YAML: anchor "${alias.source}" refers to itself`);
    }
    this.expanding.add(target);
    this.inAlias++;
    try {
      return this.node(target, depth);
    } finally {
      this.inAlias--;
      this.expanding.delete(target);
    }
  }

  // Reported at the alias written in the document being expanded, not at one nested in its anchor.
  private aliasBomb(): never {
    throw new UserError(`${this.where(this.outermostAlias?.range?.[0])}: too many aliases (alias bomb?)`);
  }

  private scalar(node: Scalar): unknown {
    const text = String(node.value);
    const tag = node.tag;
    if (tag === undefined || tag === '') {
      return node.type === 'PLAIN' ? this.finite(valueOf(resolvePlain(text), text), node) : text;
    }
    if (!tag.startsWith(TAG_PREFIX)) return text; // custom or non-specific tags decode as strings
    const wanted = tag.slice(TAG_PREFIX.length);
    if (wanted === 'str' || wanted === 'timestamp') return text;
    if (wanted === 'binary') return Buffer.from(text, 'base64').toString('utf8'); // go-yaml decodes it to a string
    const resolved = resolvePlain(text);
    const kind = resolved.kind === 'timestamp' ? 'str' : resolved.kind;
    if (kind === wanted || (wanted === 'float' && kind === 'int')) {
      const value = this.finite(valueOf(resolved, text), node);
      return wanted === 'float' ? Number(value) : value;
    }
    throw new UserError(`${this.where(node.range?.[0])}: invalid YAML: cannot decode "${shorten(text)}" as !!${wanted}`);
  }

  // JSON has no NaN or infinity; sigs.k8s.io/yaml fails on them too.
  private finite(value: unknown, node: Scalar): unknown {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new UserError(`${this.where(node.range?.[0])}: invalid YAML: ${String(node.value)} is not a valid JSON number`);
    }
    return value;
  }

  private map(node: YAMLMap, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let explicit: Set<string> | null = null; // only needed once a merge has added keys
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (isMergeKey(keyNode)) {
        explicit ??= new Set(Object.keys(out));
        this.merge(pair.value as YamlNode | null, out, depth, keyNode as YamlNode);
        continue;
      }
      const key = this.key(keyNode, node, depth);
      const seen = explicit ? explicit.has(key) : Object.prototype.hasOwnProperty.call(out, key);
      if (seen) {
        const written = isScalar(keyNode) ? String(keyNode.value) : key;
        const origin = written === key ? '' : ` (written "${shorten(written)}")`;
        throw new UserError(`${this.where(keyNode?.range?.[0] ?? node.range?.[0])}: duplicate key "${shorten(key)}"${origin}`);
      }
      explicit?.add(key);
      setKey(out, key, this.node(pair.value as YamlNode | null, depth + 1));
    }
    return out;
  }

  // go-yaml v2 merge: the merged maps' keys overwrite what is already there; in a sequence of maps,
  // earlier maps win.
  private merge(value: YamlNode | null, out: Record<string, unknown>, depth: number, at: YamlNode): void {
    const sources = isSeq(value) ? [...(value as YAMLSeq<YamlNode | null>).items].reverse() : [value];
    for (const source of sources) {
      const target = isAlias(source) ? (source.resolve(this.doc) as YamlNode | undefined) : source;
      if (!isMap(target)) {
        throw new UserError(`${this.where(at.range?.[0])}: invalid YAML: a merge key ("<<") needs a map or a list of maps`);
      }
      const merged = this.node(source, depth + 1) as Record<string, unknown>;
      for (const key of Object.keys(merged)) setKey(out, key, merged[key]);
    }
  }

  // JSON has string keys only: sigs.k8s.io/yaml stringifies int, float and bool keys and rejects the rest.
  private key(keyNode: YamlNode | null, map: YAMLMap, depth: number): string {
    const at = keyNode?.range?.[0] ?? map.range?.[0];
    const value = keyNode === null ? null : this.node(keyNode, depth + 1);
    if (typeof value === 'string') {
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && !keyNode.tag && resolvePlain(value).kind === 'timestamp') {
        throw new UserError(`${this.where(at)}: invalid YAML: unsupported map key (timestamp) "${shorten(value)}"`);
      }
      return value;
    }
    if (typeof value === 'boolean') return String(value);
    if (typeof value === 'number') return isScalar(keyNode) && Number.isInteger(value) ? intKeyText(keyNode) : goFloatKey(value);
    throw new UserError(`${this.where(at)}: invalid YAML: unsupported map key (${value === null ? 'null' : 'not a scalar'})`);
  }
}

function isMergeKey(node: YamlNode | null): boolean {
  return isScalar(node) && node.type === 'PLAIN' && node.value === '<<' && (node.tag === undefined || node.tag === `${TAG_PREFIX}merge`);
}

function valueOf(resolved: Resolved, text: string): unknown {
  switch (resolved.kind) {
    case 'str':
    case 'timestamp':
      return text;
    case 'null':
      return null;
    case 'bool':
      return resolved.value;
    case 'int':
      return Number(resolved.value);
    case 'float':
      return resolved.value;
  }
}

function intKeyText(node: Scalar): string {
  const resolved = resolvePlain(String(node.value));
  return resolved.kind === 'int' ? resolved.value.toString() : String(Number(node.value));
}

// sigs.k8s.io/yaml writes float keys with strconv.FormatFloat(f, 'g', -1, 32).
function goFloatKey(value: number): string {
  const text = goFormatFloat(value, 32);
  return text === '+Inf' ? '.inf' : text === '-Inf' ? '-.inf' : text === 'NaN' ? '.nan' : text;
}

function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

function lineIndex(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function reason(message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
  return first.length > 0 ? first[0].toLowerCase() + first.slice(1) : 'syntax error';
}
