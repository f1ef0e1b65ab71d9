// text/template's parser (text/template/parse/parse.go semantics): the action grammar, control
// structures, define/block, variable scopes, and the parse-time check that every function exists.
import { lex, LexError, type Token } from './lex';

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; line: number; pipe: Pipe }
  | ControlNode
  | { kind: 'template'; pos: number; line: number; name: string; pipe?: Pipe }
  | { kind: 'break' | 'continue'; pos: number; line: number };

export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pos: number;
  line: number;
  pipe: Pipe;
  list: Node[];
  elseList?: Node[];
}

export interface Pipe {
  pos: number;
  line: number;
  isAssign: boolean;
  decl: string[];
  cmds: Command[];
}

export interface Command {
  pos: number;
  args: Arg[];
}

export type Arg =
  | { kind: 'field'; pos: number; idents: string[] }
  | { kind: 'variable'; pos: number; name: string; idents: string[] }
  | { kind: 'chain'; pos: number; node: Arg; idents: string[] }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; isInt: boolean; isFloat: boolean; int: number; float: number }
  | { kind: 'string'; pos: number; quoted: string; value: string }
  | { kind: 'pipe'; pos: number; pipe: Pipe };

export class TemplateParseError extends Error {}

export interface ParsedTemplates {
  /** name → body; the top-level text is under the name given to parse. */
  templates: Map<string, Node[]>;
}

/** Parses `text` as template `name`, with `isFunction(name)` telling which identifiers are functions. */
export function parseTemplates(name: string, text: string, isFunction: (fn: string) => boolean): ParsedTemplates {
  let tokens: Token[];
  try {
    tokens = lex(text);
  } catch (e) {
    if (e instanceof LexError) throw new TemplateParseError(`template: ${name}:${e.line}: ${e.message}`);
    throw e;
  }
  return new Parser(name, text, tokens, isFunction).parseAll();
}

const BUILTIN_KEYWORD_END = new Set(['end', 'else']);

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private readonly templates = new Map<string, Node[]>();
  private rangeDepth = 0;
  private current: string;

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly isFunction: (fn: string) => boolean,
  ) {
    this.current = name;
  }

  private fail(msg: string, tok: Token = this.tokens[Math.min(this.i, this.tokens.length - 1)]): never {
    throw new TemplateParseError(`template: ${this.current}:${tok.line}: ${msg}`);
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private nextNonSpace(): Token {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }

  private peekNonSpace(): Token {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }

  parseAll(): ParsedTemplates {
    const { nodes, end } = this.itemList(true);
    if (end) this.fail(`unexpected ${describe(end)}`, end);
    this.addTemplate(this.name, nodes, this.tokens[this.tokens.length - 1]);
    return { templates: this.templates };
  }

  /** Items until {{end}}/{{else}} (returned as `end`) or EOF (only allowed at top level). */
  private itemList(topLevel: boolean): { nodes: Node[]; end?: Token; endKeyword?: string } {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.type === 'eof') {
        if (!topLevel) this.fail('unexpected EOF', t);
        return { nodes };
      }
      if (t.type === 'text') {
        nodes.push({ kind: 'text', text: t.value });
        continue;
      }
      if (t.type !== 'leftDelim') this.fail(`unexpected ${describe(t)}`, t);
      const kw = this.peekNonSpace();
      if (kw.type === 'keyword' && BUILTIN_KEYWORD_END.has(kw.value)) {
        this.nextNonSpace();
        if (topLevel) this.fail(`unexpected {{${kw.value}}}`, kw);
        return { nodes, end: kw, endKeyword: kw.value };
      }
      const node = this.action();
      if (node) nodes.push(node);
    }
  }

  private action(): Node | undefined {
    const t = this.peekNonSpace();
    if (t.type === 'keyword') {
      this.nextNonSpace();
      switch (t.value) {
        case 'block':
          return this.blockControl(t);
        case 'break':
        case 'continue':
          return this.breakControl(t, t.value);
        case 'define':
          this.defineControl(t);
          return undefined;
        case 'if':
        case 'range':
        case 'with':
          return this.control(t, t.value);
        case 'template':
          return this.templateControl(t);
      }
    }
    const pipe = this.pipeline('command', 'rightDelim');
    return { kind: 'action', pos: t.pos, line: t.line, pipe };
  }

  private expectRightDelim(context: string): void {
    const t = this.nextNonSpace();
    if (t.type !== 'rightDelim') this.fail(`unexpected ${describe(t)} in ${context}`, t);
  }

  private breakControl(t: Token, which: 'break' | 'continue'): Node {
    const n = this.nextNonSpace();
    if (n.type !== 'rightDelim') this.fail(`unexpected ${describe(n)} in {{${which}}}`, n);
    if (this.rangeDepth === 0) this.fail(`{{${which}}} outside {{range}}`, t);
    return { kind: which, pos: t.pos, line: t.line };
  }

  private control(t: Token, kind: 'if' | 'range' | 'with'): Node {
    const varsBefore = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const { nodes: list, endKeyword: firstEndKeyword } = this.itemList(false);
    let endKeyword = firstEndKeyword;
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (endKeyword === 'else') {
      const next = this.peekNonSpace();
      // {{else if …}} / {{else with …}}: a nested control whose {{end}} ends this one too.
      if ((kind === 'if' && next.type === 'keyword' && next.value === 'if') || (kind === 'with' && next.type === 'keyword' && next.value === 'with')) {
        this.nextNonSpace();
        const nested = this.control(next, kind);
        elseList = [nested];
        this.vars.length = varsBefore;
        return { kind, pos: t.pos, line: t.line, pipe, list, elseList };
      }
      this.expectRightDelim('else');
      const r = this.itemList(false);
      elseList = r.nodes;
      endKeyword = r.endKeyword;
      if (endKeyword !== 'end') this.fail(`expected end; found ${describe(r.end!)}`, r.end);
    }
    this.expectRightDelim('end');
    this.vars.length = varsBefore;
    void list;
    return { kind, pos: t.pos, line: t.line, pipe, list, elseList };
  }

  private templateName(context: string): string {
    const t = this.nextNonSpace();
    if (t.type === 'string' || t.type === 'rawString') return unquote(t.value, () => this.fail(`bad string ${t.value}`, t));
    return this.fail(`unexpected ${describe(t)} in ${context} clause`, t);
  }

  private templateControl(t: Token): Node {
    const name = this.templateName('template');
    let pipe: Pipe | undefined;
    if (this.peekNonSpace().type !== 'rightDelim') pipe = this.pipeline('template', 'rightDelim');
    else this.nextNonSpace();
    return { kind: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private defineControl(t: Token): void {
    const name = this.templateName('define');
    this.expectRightDelim('define clause');
    const saveVars = this.vars;
    const saveCurrent = this.current;
    this.vars = ['$'];
    this.current = name;
    const { nodes, endKeyword, end } = this.itemList(false);
    if (endKeyword !== 'end') this.fail(`unexpected ${describe(end!)} in define clause`, end);
    this.expectRightDelim('define clause');
    this.vars = saveVars;
    this.current = saveCurrent;
    this.addTemplate(name, nodes, t);
  }

  private blockControl(t: Token): Node {
    const name = this.templateName('block');
    const pipe = this.pipeline('block', 'rightDelim');
    const saveVars = this.vars;
    this.vars = ['$'];
    const { nodes, endKeyword, end } = this.itemList(false);
    if (endKeyword !== 'end') this.fail(`unexpected ${describe(end!)} in block clause`, end);
    this.expectRightDelim('block clause');
    this.vars = saveVars;
    this.addTemplate(name, nodes, t);
    return { kind: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private addTemplate(name: string, nodes: Node[], t: Token): void {
    const existing = this.templates.get(name);
    if (existing && !isEmptyBody(existing) && !isEmptyBody(nodes)) {
      throw new TemplateParseError(`template: ${this.name}:${t.line}: template: multiple definition of template "${name}"`);
    }
    if (!existing || !isEmptyBody(nodes)) this.templates.set(name, nodes);
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const start = this.peekNonSpace();
    const pipe: Pipe = { pos: start.pos, line: start.line, isAssign: false, decl: [], cmds: [] };
    // Variable declarations: $x := / $x, $y := (range) / $x = (assignment).
    const v = this.peekNonSpace();
    if (v.type === 'variable') {
      const save = this.i;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === 'declare' || next.type === 'assign') {
        this.nextNonSpace();
        pipe.isAssign = next.type === 'assign';
        pipe.decl.push(v.value);
        if (!pipe.isAssign) this.vars.push(v.value);
        else if (!this.vars.includes(v.value)) this.fail(`undefined variable "${v.value}"`, v);
      } else if (next.type === 'comma' && context === 'range') {
        this.nextNonSpace();
        const v2 = this.nextNonSpace();
        if (v2.type !== 'variable') this.fail(`range can only initialize variables`, v2);
        const op = this.nextNonSpace();
        if (op.type !== 'declare' && op.type !== 'assign') this.fail(`range can only initialize variables`, op);
        pipe.isAssign = op.type === 'assign';
        pipe.decl.push(v.value, v2.value);
        if (!pipe.isAssign) this.vars.push(v.value, v2.value);
      } else {
        this.i = save;
      }
    }
    for (;;) {
      const t = this.peekNonSpace();
      if (t.type === end) {
        this.nextNonSpace();
        if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`, t);
        for (let k = 1; k < pipe.cmds.length; k++) {
          const first = pipe.cmds[k].args[0];
          if (first.kind === 'bool' || first.kind === 'dot' || first.kind === 'nil' || first.kind === 'number' || first.kind === 'string') {
            this.fail(`non executable command in pipeline stage ${k + 1}`, t);
          }
        }
        return pipe;
      }
      if (['bool', 'char', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(t.type)) {
        pipe.cmds.push(this.command());
        continue;
      }
      this.fail(`unexpected ${describe(t)} in ${context}`, t);
    }
  }

  private command(): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      switch (t.type) {
        case 'space':
          continue;
        case 'rightDelim':
        case 'rightParen':
          this.i--;
          break;
        case 'pipe':
          break;
        default:
          this.fail(`unexpected ${describe(t)} in operand`, t);
      }
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== 'field') return node;
    const idents: string[] = [];
    // Go positions a chain at its first chained field.
    const chainPos = this.peek().pos;
    while (this.peek().type === 'field') idents.push(this.next().value.slice(1));
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos: chainPos, idents: [...node.idents, ...idents] };
      case 'variable':
        return { kind: 'variable', pos: chainPos, name: node.name, idents: [...node.idents, ...idents] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(`unexpected . after term "${termString(node)}"`);
    }
    return { kind: 'chain', pos: chainPos, node, idents };
  }

  private term(): Arg | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.isFunction(t.value)) this.fail(`function "${t.value}" not defined`, t);
        return { kind: 'identifier', pos: t.pos, name: t.value };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable': {
        if (!this.vars.includes(t.value)) this.fail(`undefined variable "${t.value}"`, t);
        return { kind: 'variable', pos: t.pos, name: t.value, idents: [] };
      }
      case 'field':
        return { kind: 'field', pos: t.pos, idents: [t.value.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.value === 'true' };
      case 'char':
      case 'number':
        return this.number(t);
      case 'leftParen':
        return { kind: 'pipe', pos: t.pos, pipe: this.pipeline('parenthesized pipeline', 'rightParen') };
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: t.pos, quoted: t.value, value: unquote(t.value, () => this.fail(`bad string ${t.value}`, t)) };
    }
    this.i--;
    return undefined;
  }

  private number(t: Token): Arg {
    if (t.type === 'char') {
      const s = unquote(`"${t.value.slice(1, -1).replace(/"/g, '\\"')}"`, () => this.fail(`malformed character constant: ${t.value}`, t));
      const code = s.codePointAt(0) ?? 0;
      return { kind: 'number', pos: t.pos, text: t.value, isInt: true, isFloat: true, int: code, float: code };
    }
    const text = t.value.replace(/_/g, '');
    if (text.endsWith('i')) this.fail(`complex constants are not supported: ${t.value}`, t);
    let int: number | undefined;
    const intMatch = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/.exec(text);
    if (intMatch) {
      const body = intMatch[2];
      const sign = intMatch[1] === '-' ? -1 : 1;
      if (/^0[0-7]+$/.test(body)) int = sign * parseInt(body.slice(1), 8);
      else if (/^0[oO]/.test(body)) int = sign * parseInt(body.slice(2), 8);
      else if (/^0[bB]/.test(body)) int = sign * parseInt(body.slice(2), 2);
      else int = sign * Number(body);
    }
    const float = Number(text);
    if (int === undefined && Number.isNaN(float)) this.fail(`illegal number syntax: "${t.value}"`, t);
    if (int !== undefined) return { kind: 'number', pos: t.pos, text: t.value, isInt: true, isFloat: true, int, float: int };
    const isInt = Number.isInteger(float) && !/[.eEpP]/.test(text) ? true : Number.isInteger(float);
    return { kind: 'number', pos: t.pos, text: t.value, isInt, isFloat: true, int: isInt ? float : 0, float };
  }
}

function isEmptyBody(nodes: Node[]): boolean {
  return nodes.every((n) => n.kind === 'text' && n.text.trim() === '');
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'EOF';
    case 'rightDelim':
      return '"}}"';
    case 'leftDelim':
      return '"{{"';
    case 'keyword':
      return `<${t.value}>`;
    case 'space':
      return 'space';
    default:
      return `"${t.value}"`;
  }
}

function termString(a: Arg): string {
  switch (a.kind) {
    case 'bool':
      return String(a.value);
    case 'string':
      return a.quoted;
    case 'number':
      return a.text;
    case 'nil':
      return 'nil';
    default:
      return '.';
  }
}

/** strconv.Unquote for "…" and `…`. */
export function unquote(q: string, fail: () => never): string {
  if (q.startsWith('`')) return q.slice(1, -1).replace(/\r/g, '');
  let out = '';
  const body = q.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e in simple) {
      out += simple[e];
      continue;
    }
    const hex = (len: number) => {
      const h = body.slice(i + 1, i + 1 + len);
      if (h.length !== len || !/^[0-9a-fA-F]+$/.test(h)) fail();
      i += len;
      return parseInt(h, 16);
    };
    if (e === 'x') out += String.fromCharCode(hex(2));
    else if (e === 'u') out += String.fromCodePoint(hex(4));
    else if (e === 'U') out += String.fromCodePoint(hex(8));
    else if (/[0-7]/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) fail();
      i += 2;
      out += String.fromCharCode(parseInt(o, 8));
    } else fail();
  }
  return out;
}

/** Node text as Go prints it in "executing … at <…>" messages. */
export function argString(a: Arg): string {
  switch (a.kind) {
    case 'field':
      return '.' + a.idents.join('.');
    case 'variable':
      return [a.name, ...a.idents].join('.');
    case 'chain':
      return `${a.node.kind === 'pipe' ? argString(a.node) : argString(a.node)}.${a.idents.join('.')}`;
    case 'identifier':
      return a.name;
    case 'pipe':
      return `(${pipeString(a.pipe)})`;
    default:
      return termString(a);
  }
}

export function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map((c) => c.args.map(argString).join(' ')).join(' | ');
}
