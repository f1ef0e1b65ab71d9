import { isBreak, isPrintable, type ScalarFacts } from './scalar-style';

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

// Mirrors the state go-yaml v2's emitter keeps (column, whether the last thing written was whitespace
// or indentation, the current indent) and its scalar writers, so that spacing, quoting and folding
// decisions come out the same.
export class EmitterWriter {
  // Pieces joined once at the end: `out += piece` would keep the output as a rope of one node per token until
  // something flattens it, several times the text's own size (kube-inject of 1,000 workloads peaked 70 MiB higher).
  private readonly chunks: string[] = [];
  get out(): string {
    return this.chunks.join('');
  }
  protected column = 0;
  protected whitespace = true;
  protected indention = true;
  protected indent = -1;

  // Numbers, booleans and null: short plain tokens without spaces.
  protected plainToken(text: string): void {
    if (!this.whitespace) this.put(' ');
    this.chunks.push(text);
    this.column += text.length;
    this.whitespace = false;
    this.indention = false;
  }

  protected increaseIndent(flow: boolean, indentless: boolean): void {
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  writeIndent(): void {
    const indent = this.indent < 0 ? 0 : this.indent;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    if (this.column < indent) {
      this.chunks.push(spaces(indent - this.column));
      this.column = indent;
    }
    this.whitespace = true;
    this.indention = true;
  }

  protected writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.chunks.push(indicator);
    this.column += indicator.length;
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private put(text: string): void {
    this.chunks.push(text);
    this.column += text.length;
  }

  private putBreak(): void {
    this.chunks.push('\n');
    this.column = 0;
  }

  protected writePlain(facts: ScalarFacts, allowBreaks: boolean): void {
    const text = facts.text;
    if (!this.whitespace) this.put(' ');
    const width = facts.ascii ? text.length : codePoints(text);
    // A fold needs a space seen past the best width; if the scalar ends before that, write it whole.
    if (!allowBreaks || this.column + width <= BEST_WIDTH + 1 || !text.includes(' ')) {
      this.chunks.push(text);
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
          this.chunks.push(text.slice(i, i + size));
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

  protected writeSingleQuoted(text: string, allowBreaks: boolean): void {
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
        this.chunks.push(text.slice(i, i + size));
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

  protected writeDoubleQuoted(text: string, allowBreaks: boolean): void {
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
        this.chunks.push(text.slice(i, i + size));
        this.column++;
        spacesRun = false;
      }
      i += size;
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  protected writeLiteral(text: string): void {
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
        this.chunks.push(line);
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
      this.chunks.push(text.slice(i, i + size));
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
