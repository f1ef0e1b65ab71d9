// text/template's lexer (text/template/parse/lex.go semantics): text and actions, `{{-`/`-}}` trimming,
// comments, and the tokens of an action.
export type TokenType =
  | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'field' | 'identifier' | 'variable' | 'dot' | 'string'
  | 'rawString' | 'char' | 'number' | 'bool' | 'nil' | 'keyword' | 'pipe' | 'declare' | 'assign' | 'leftParen'
  | 'rightParen' | 'comma' | 'eof';

export interface Token {
  type: TokenType;
  value: string;
  pos: number;
  line: number;
}

export class LexError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const SPACE = /[ \t\r\n]/;
const TRIM_MARKER_LEN = 2; // "- " or " -"

function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.test(c);
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}_]/u.test(c);
}

export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  const lineAt = (() => {
    let lastPos = 0;
    let lastLine = 1;
    return (p: number) => {
      if (p < lastPos) {
        lastPos = 0;
        lastLine = 1;
      }
      for (let i = lastPos; i < p; i++) if (input.charCodeAt(i) === 10) lastLine++;
      lastPos = p;
      return lastLine;
    };
  })();
  const emit = (type: TokenType, start: number, value: string) => {
    tokens.push({ type, value, pos: start, line: lineAt(start) });
  };
  let trimNextText = false;
  while (pos <= input.length) {
    const open = input.indexOf('{{', pos);
    let textEnd = open < 0 ? input.length : open;
    const trimLeft = open >= 0 && input[open + 2] === '-' && isSpace(input[open + 3]);
    let textStart = pos;
    if (trimNextText) {
      while (textStart < textEnd && isSpace(input[textStart])) textStart++;
    }
    if (trimLeft) while (textEnd > textStart && isSpace(input[textEnd - 1])) textEnd--;
    if (textEnd > textStart) emit('text', textStart, input.slice(textStart, textEnd));
    if (open < 0) break;
    pos = open + 2 + (trimLeft ? TRIM_MARKER_LEN : 0);
    line = lineAt(open);
    // Comments: {{/* … */}}, the comment must follow the delimiter (and trim marker) directly.
    if (input.startsWith('/*', pos)) {
      const close = input.indexOf('*/', pos + 2);
      if (close < 0) throw new LexError('unclosed comment', line);
      let after = close + 2;
      let trimRight = false;
      if (input[after] !== undefined && isSpace(input[after]) && input[after + 1] === '-' && input.startsWith('}}', after + 2)) {
        trimRight = true;
        after += TRIM_MARKER_LEN;
      }
      if (!input.startsWith('}}', after)) throw new LexError('comment ends before closing delimiter', lineAt(close));
      pos = after + 2;
      trimNextText = trimRight;
      continue;
    }
    emit('leftDelim', open, '{{');
    const r = lexAction(input, pos, emit, (p) => lineAt(p));
    pos = r.pos;
    trimNextText = r.trimRight;
    line = lineAt(pos);
  }
  tokens.push({ type: 'eof', value: '', pos: input.length, line: lineAt(input.length) });
  void line;
  return tokens;
}

function lexAction(
  input: string,
  start: number,
  emit: (t: TokenType, pos: number, v: string) => void,
  lineAt: (p: number) => number,
): { pos: number; trimRight: boolean } {
  let pos = start;
  let parenDepth = 0;
  const fail = (msg: string, at = pos): never => {
    throw new LexError(msg, lineAt(at));
  };
  for (;;) {
    // Right delimiter, with or without trim marker.
    if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith('}}', pos + 2)) {
      if (parenDepth) fail('unclosed left paren');
      emit('rightDelim', pos + 2, '}}');
      return { pos: pos + 4, trimRight: true };
    }
    if (input.startsWith('}}', pos)) {
      if (parenDepth) fail('unclosed left paren');
      emit('rightDelim', pos, '}}');
      return { pos: pos + 2, trimRight: false };
    }
    const c = input[pos];
    if (c === undefined) fail('unclosed action');
    if (isSpace(c)) {
      const s = pos;
      while (isSpace(input[pos]) && !(input[pos + 1] === '-' && input.startsWith('}}', pos + 2))) pos++;
      emit('space', s, input.slice(s, pos));
      continue;
    }
    if (c === '=') {
      emit('assign', pos, '=');
      pos++;
      continue;
    }
    if (c === ':') {
      if (input[pos + 1] !== '=') fail('expected :=');
      emit('declare', pos, ':=');
      pos += 2;
      continue;
    }
    if (c === '|') {
      emit('pipe', pos, '|');
      pos++;
      continue;
    }
    if (c === '"' || c === '`') {
      const s = pos;
      pos++;
      if (c === '`') {
        const end = input.indexOf('`', pos);
        if (end < 0) fail('unterminated raw quoted string', s);
        pos = end + 1;
        emit('rawString', s, input.slice(s, pos));
      } else {
        for (;;) {
          const ch = input[pos];
          if (ch === '\\') pos += 2;
          else if (ch === undefined || ch === '\n') fail('unterminated quoted string', s);
          else if (ch === '"') break;
          else pos++;
        }
        pos++;
        emit('string', s, input.slice(s, pos));
      }
      continue;
    }
    if (c === "'") {
      const s = pos;
      pos++;
      for (;;) {
        const ch = input[pos];
        if (ch === '\\') pos += 2;
        else if (ch === undefined || ch === '\n') fail('unterminated character constant', s);
        else if (ch === "'") break;
        else pos++;
      }
      pos++;
      emit('char', s, input.slice(s, pos));
      continue;
    }
    if (c === '$') {
      const s = pos;
      pos++;
      while (isAlnum(input[pos])) pos++;
      emit('variable', s, input.slice(s, pos));
      continue;
    }
    if (c === '.') {
      const n = input[pos + 1];
      if (n !== undefined && /[0-9]/.test(n)) {
        pos = lexNumber(input, pos, emit, fail);
        continue;
      }
      const s = pos;
      pos++;
      if (!isAlnum(input[pos])) {
        emit('dot', s, '.');
        continue;
      }
      while (isAlnum(input[pos])) pos++;
      emit('field', s, input.slice(s, pos));
      continue;
    }
    if (c === '+' || c === '-' || /[0-9]/.test(c)) {
      pos = lexNumber(input, pos, emit, fail);
      continue;
    }
    if (isAlnum(c)) {
      const s = pos;
      while (isAlnum(input[pos])) pos++;
      const word = input.slice(s, pos);
      if (KEYWORDS.has(word)) emit('keyword', s, word);
      else if (word === 'true' || word === 'false') emit('bool', s, word);
      else if (word === 'nil') emit('nil', s, word);
      else emit('identifier', s, word);
      if (!atTerminator(input, pos)) fail(`bad character ${goQuoteRune(input[pos])}`);
      continue;
    }
    if (c === '(') {
      parenDepth++;
      emit('leftParen', pos, '(');
      pos++;
      continue;
    }
    if (c === ')') {
      parenDepth--;
      if (parenDepth < 0) fail('unexpected right paren');
      emit('rightParen', pos, ')');
      pos++;
      continue;
    }
    if (c === ',') {
      emit('comma', pos, ',');
      pos++;
      continue;
    }
    fail(`unrecognized character in action: ${goQuoteRune(c)}`);
  }
}

function atTerminator(input: string, pos: number): boolean {
  const c = input[pos];
  if (c === undefined || isSpace(c)) return true;
  if ('.,|:)('.includes(c) || c === '=') return true;
  return input.startsWith('}}', pos);
}

function goQuoteRune(c: string | undefined): string {
  if (c === undefined) return "U+FFFD";
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

function lexNumber(
  input: string,
  start: number,
  emit: (t: TokenType, pos: number, v: string) => void,
  fail: (msg: string, at?: number) => never,
): number {
  const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[oObB][0-9_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(
    input.slice(start),
  );
  const text = m ? m[0] : '';
  const end = start + text.length;
  if (!text || /^[+-]?$/.test(text) || isAlnum(input[end])) fail(`bad number syntax: "${input.slice(start, end + 1)}"`, start);
  emit('number', start, text);
  return end;
}
