import { goFormatFloat } from './go-number';
import { sortKeysGoYaml } from './key-order';
import { analyzeScalar, chooseStyle, isBreak, isPrintable, Style, type ScalarFacts } from './scalar-style';

/**
 * Serialises plain data exactly as Istio does (sigs.k8s.io/yaml Marshal: JSON, then go-yaml v2's
 * emitter): go-yaml's key order, 2-space indent, sequences level with their key, go-yaml's quoting,
 * literal blocks for multi-line strings, long lines folded at spaces past column 80. No trailing
 * document separator: callers append "---\n".
 */
export function toIstioYaml(value: unknown): string {
  const emitter = new Emitter();
  emitter.node(value, false, false);
  emitter.writeIndent(); // document end
  return emitter.out;
}

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
const INT64_MIN = -(2 ** 63);
const UINT64_LIMIT = 2 ** 64;

// Mirrors the state go-yaml's emitter keeps (column, whether the last thing written was whitespace or
// indentation, the current indent), so that spacing and folding decisions come out the same.
class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;

  node(value: unknown, inMapping: boolean, simpleKey: boolean): void {
    if (value === null || value === undefined) return this.plainToken('null');
    switch (typeof value) {
      case 'string':
        return this.string(value, simpleKey);
      case 'number':
        return this.plainToken(numberText(value));
      case 'bigint':
        return this.plainToken(value.toString());
      case 'boolean':
        return this.plainToken(value ? 'true' : 'false');
      case 'object':
        if (Array.isArray(value)) return this.sequence(value, inMapping);
        if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
          return this.node((value as { toJSON(): unknown }).toJSON(), inMapping, simpleKey);
        }
        return this.mapping(value as Record<string, unknown>);
    }
    throw new TypeError(`toIstioYaml: cannot serialise a ${typeof value}`);
  }

  private mapping(map: Record<string, unknown>): void {
    const keys: string[] = [];
    for (const key in map) {
      if (Object.prototype.hasOwnProperty.call(map, key) && map[key] !== undefined && typeof map[key] !== 'function') keys.push(key);
    }
    if (keys.length === 0) return this.emptyCollection('{}');
    sortKeysGoYaml(keys);
    const saved = this.indent;
    this.increaseIndent(false, false);
    for (const key of keys) {
      this.writeIndent();
      const facts = analyzeScalar(key);
      if (!facts.multiline && facts.bytes <= 128) {
        this.scalar(facts, true);
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.scalar(facts, false);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(map[key], true, false);
    }
    this.indent = saved;
  }

  private sequence(items: unknown[], inMapping: boolean): void {
    if (items.length === 0) return this.emptyCollection('[]');
    const saved = this.indent;
    this.increaseIndent(false, inMapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, false, false);
    }
    this.indent = saved;
  }

  private emptyCollection(text: '{}' | '[]'): void {
    this.writeIndicator(text[0], true, true, false);
    this.writeIndicator(text[1], false, false, false);
  }

  private string(value: string, simpleKey: boolean): void {
    this.scalar(analyzeScalar(value), simpleKey);
  }

  private scalar(facts: ScalarFacts, simpleKey: boolean): void {
    const saved = this.indent;
    this.increaseIndent(true, false);
    const allowBreaks = !simpleKey;
    switch (chooseStyle(facts, simpleKey)) {
      case Style.Plain:
        this.writePlain(facts, allowBreaks);
        break;
      case Style.Single:
        this.writeSingleQuoted(facts.text, allowBreaks);
        break;
      case Style.Double:
        this.writeDoubleQuoted(facts.text, allowBreaks);
        break;
      case Style.Literal:
        this.writeLiteral(facts.text);
        break;
    }
    this.indent = saved;
  }

  // Numbers, booleans and null: short plain tokens without spaces.
  private plainToken(text: string): void {
    if (!this.whitespace) this.put(' ');
    this.out += text;
    this.column += text.length;
    this.whitespace = false;
    this.indention = false;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  writeIndent(): void {
    const indent = this.indent < 0 ? 0 : this.indent;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    if (this.column < indent) {
      this.out += spaces(indent - this.column);
      this.column = indent;
    }
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.out += indicator;
    this.column += indicator.length;
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private put(text: string): void {
    this.out += text;
    this.column += text.length;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  private writePlain(facts: ScalarFacts, allowBreaks: boolean): void {
    const text = facts.text;
    if (!this.whitespace) this.put(' ');
    const width = facts.ascii ? text.length : codePoints(text);
    // A fold needs a space seen past the best width; if the scalar ends before that, write it whole.
    if (!allowBreaks || this.column + width <= BEST_WIDTH + 1 || !text.includes(' ')) {
      this.out += text;
      this.column += width;
    } else {
      let spacesRun = false;
      for (let i = 0; i < text.length; ) {
        const c = text.codePointAt(i) as number;
        const size = c > 0xffff ? 2 : 1;
        if (c === 0x20) {
          if (!spacesRun && this.column > BEST_WIDTH && text.charCodeAt(i + 1) !== 0x20) this.writeIndent();
          else this.put(' ');
          spacesRun = true;
        } else {
          this.out += text.slice(i, i + size);
          this.column++;
          this.indention = false;
          spacesRun = false;
        }
        i += size;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(text: string, allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spacesRun = false;
    let breaks = false;
    for (let i = 0; i < text.length; ) {
      const c = text.codePointAt(i) as number;
      const size = c > 0xffff ? 2 : 1;
      if (c === 0x20) {
        const fold = allowBreaks && !spacesRun && this.column > BEST_WIDTH && i > 0 && i < text.length - 1 && text.charCodeAt(i + 1) !== 0x20;
        if (fold) this.writeIndent();
        else this.put(' ');
        spacesRun = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreak(text, i, size);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (c === 0x27) this.put("'");
        this.out += text.slice(i, i + size);
        this.column++;
        this.indention = false;
        spacesRun = false;
        breaks = false;
      }
      i += size;
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDoubleQuoted(text: string, allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    const escapeAll = text.charCodeAt(0) === 0xfeff; // go-yaml's BOM check looks at the start only
    let spacesRun = false;
    for (let i = 0; i < text.length; ) {
      const c = text.codePointAt(i) as number;
      const size = c > 0xffff ? 2 : 1;
      if (escapeAll || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        this.put(escape(c));
        spacesRun = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spacesRun && this.column > BEST_WIDTH && i > 0 && i < text.length - 1) {
          this.writeIndent();
          if (text.charCodeAt(i + 1) === 0x20) this.put('\\');
        } else {
          this.put(' ');
        }
        spacesRun = true;
      } else {
        this.out += text.slice(i, i + size);
        this.column++;
        spacesRun = false;
      }
      i += size;
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(text: string): void {
    this.writeIndicator('|', true, false, false);
    const first = text.codePointAt(0) as number;
    if (first === 0x20 || isBreak(first)) this.writeIndicator(String(BEST_INDENT), false, false, false);
    const chomp = chompIndicator(text);
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (let i = 0; i < text.length; ) {
      const c = text.codePointAt(i) as number;
      const size = c > 0xffff ? 2 : 1;
      if (isBreak(c)) {
        this.writeBreak(text, i, size);
        this.indention = true;
        breaks = true;
      } else {
        // Copy the rest of the line in one go.
        let end = i + size;
        while (end < text.length && !isBreak(text.charCodeAt(end))) end++;
        if (breaks) this.writeIndent();
        const line = text.slice(i, end);
        this.out += line;
        this.column += codePoints(line);
        this.indention = false;
        breaks = false;
        i = end;
        continue;
      }
      i += size;
    }
  }

  private writeBreak(text: string, i: number, size: number): void {
    if (text.charCodeAt(i) === 0x0a) {
      this.putBreak();
    } else {
      this.out += text.slice(i, i + size);
      this.column = 0;
    }
  }
}

// '-' strips the final line break when there is none; '+' keeps trailing empty lines.
function chompIndicator(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  if (!isBreak(last)) return '-';
  if (text.length === 1) return '+';
  return isBreak(text.charCodeAt(text.length - 2)) ? '+' : '';
}

const ESCAPES: Record<number, string> = {
  0x00: '\\0', 0x07: '\\a', 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r',
  0x1b: '\\e', 0x22: '\\"', 0x5c: '\\\\', 0x85: '\\N', 0xa0: '\\_', 0x2028: '\\L', 0x2029: '\\P',
};

function escape(c: number): string {
  const named = ESCAPES[c];
  if (named !== undefined) return named;
  const hex = c.toString(16).toUpperCase();
  if (c <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (c <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

// Through Go's JSON step and go-yaml's re-decode: integers print as integers while they fit int64 or
// uint64; everything else is a float in strconv 'g' form.
function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`toIstioYaml: ${value} is not a JSON number`);
  if (Number.isInteger(value) && value >= INT64_MIN && value < UINT64_LIMIT) {
    return Number.isSafeInteger(value) ? String(value === 0 ? 0 : value) : BigInt(value).toString();
  }
  return goFormatFloat(value);
}

function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

const SPACES: string[] = [];
function spaces(n: number): string {
  return (SPACES[n] ??= ' '.repeat(n));
}
