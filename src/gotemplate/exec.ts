// text/template's executor (text/template/exec.go semantics): evaluation of pipelines, fields, methods,
// variables and function calls, control structures, and Go's printing of values.
import { argString, pipeString, type Arg, type Command, type ControlNode, type Node, type Pipe } from './parse';
import {
  GoFloat, NO_FIELD, elemType, formatValue, goTypeOf, isGoObject, isMap, isTrue, sortedKeys, zeroOf, type GoObject,
} from './values';
import { errorMessage } from '../errors';

/**
 * A function callable from templates. `params` are Go parameter types ('any', 'string', 'int', 'float64',
 * 'bool', 'reflect.Value' (the raw value, a missing one included), or a Go type name such as
 * 'map[string]string' or 'v1.ObjectMeta'); `variadic` is the element type of a final `...` parameter.
 */
export interface GoFunc {
  params: string[];
  variadic?: string;
  fn: (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** and/or: arguments evaluated lazily, left to right. */
  lazy?: 'and' | 'or';
}

export type FuncMap = Record<string, GoFunc>;

export class TemplateExecError extends Error {}

class ControlFlow {
  constructor(readonly kind: 'break' | 'continue') {}
}

const MAX_EXEC_DEPTH = 100000;

export interface TemplateSet {
  bodies: Map<string, { nodes: Node[]; parseName: string; text: string }>;
  funcs: FuncMap;
}

interface Variable {
  name: string;
  value: unknown;
}

/** A compiled template body or list: writes its output for `dot`. */
type Exec = (st: State, dot: unknown) => void;
/** A compiled operand or pipeline: its value for `dot`. */
type Eval = (st: State, dot: unknown) => unknown;
/** A compiled command: its value for `dot`, given the previous command's value (MISSING for the first). */
type Cmd = (st: State, dot: unknown, final: unknown) => unknown;
/** A compiled type check of an argument (Go's validateType). */
type Check = (st: State, value: unknown) => unknown;

/**
 * A template set compiled to closures: each node becomes one function with its operands, functions and
 * argument types resolved up front, so executing walks no syntax tree. Bodies compile on first use.
 */
class Program {
  private readonly compiled = new Map<string, Exec>();

  constructor(readonly set: TemplateSet) {}

  body(name: string): Exec {
    // Template calls compile nothing until run, so a template that calls itself compiles once.
    let run = this.compiled.get(name);
    if (!run) {
      run = compileList(this, this.set.bodies.get(name)!.nodes);
      this.compiled.set(name, run);
    }
    return run;
  }
}

const programs = new WeakMap<TemplateSet, Program>();

function programOf(set: TemplateSet): Program {
  let p = programs.get(set);
  if (!p) {
    p = new Program(set);
    programs.set(set, p);
  }
  return p;
}

/** Executes template `name` of the set with `data` as dot; returns the output text. */
export function execute(set: TemplateSet, name: string, data: unknown): string {
  const body = set.bodies.get(name);
  if (!body) throw new TemplateExecError(`template: no template "${name}" associated with template "${name}"`);
  const program = programOf(set);
  const st = new State(new Sink(), program, name, body.parseName, body.text, [{ name: '$', value: data }], 0);
  program.body(name)(st, data);
  return st.sink.text;
}

class Sink {
  text = '';
}

/** One template invocation: its variables, and the node errors are reported at. */
class State {
  atPos = 0;
  /** The node errors are reported at; its text is only built when an error is. */
  atNode: string | Arg | Pipe | Arg[] = '';

  constructor(
    readonly sink: Sink,
    readonly program: Program,
    readonly name: string,
    private readonly parseName: string,
    private readonly text: string,
    public vars: Variable[],
    readonly depth: number,
  ) {}

  at(pos: number, node: string | Arg | Pipe | Arg[]): void {
    this.atPos = pos;
    this.atNode = node;
  }

  fail(msg: string): never {
    const before = this.text.slice(0, this.atPos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? this.atPos : this.atPos - (nl + 1);
    const n = this.atNode;
    const text = typeof n === 'string' ? n : Array.isArray(n) ? n.map(argString).join(' ') : 'cmds' in n ? pipeString(n) : argString(n);
    const ctx = text.length > 20 ? `${text.slice(0, 20)}...` : text;
    throw new TemplateExecError(`template: ${this.parseName}:${line}:${col}: executing "${this.name}" at <${ctx}>: ${msg}`);
  }

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.fail(`undefined variable: ${name}`);
  }
}

const BREAK = new ControlFlow('break');
const CONTINUE = new ControlFlow('continue');

function compileList(p: Program, nodes: Node[]): Exec {
  // Adjacent text (split by a {{define}} between them) is written as one piece.
  const parts: Exec[] = [];
  let text: string | undefined;
  for (const n of nodes) {
    if (n.kind === 'text') {
      text = (text ?? '') + n.text;
      continue;
    }
    if (text !== undefined) parts.push(writeText(text));
    text = undefined;
    parts.push(compileNode(p, n));
  }
  if (text !== undefined) parts.push(writeText(text));
  switch (parts.length) {
    case 0:
      return () => {};
    case 1:
      return parts[0];
    case 2: {
      const [a, b] = parts;
      return (st, dot) => {
        a(st, dot);
        b(st, dot);
      };
    }
  }
  return (st, dot) => {
    for (let i = 0; i < parts.length; i++) parts[i](st, dot);
  };
}

function writeText(text: string): Exec {
  return (st) => {
    st.sink.text += text;
  };
}

function compileNode(p: Program, node: Exclude<Node, { kind: 'text' }>): Exec {
  switch (node.kind) {
    case 'action': {
      const pipe = compilePipe(p, node.pipe);
      if (node.pipe.decl.length > 0) return (st, dot) => void pipe(st, dot);
      const pos = node.pos;
      const at = node.pipe;
      return (st, dot) => print(st, pipe(st, dot), pos, at);
    }
    case 'if':
    case 'with': {
      const pipe = compilePipe(p, node.pipe);
      const list = compileList(p, node.list);
      const elseList = node.elseList ? compileList(p, node.elseList) : undefined;
      const isWith = node.kind === 'with';
      return (st, dot) => {
        const mark = st.vars.length;
        const v = pipe(st, dot);
        if (truth(v)) list(st, isWith ? v : dot);
        else if (elseList) elseList(st, dot);
        if (st.vars.length !== mark) st.vars.length = mark;
      };
    }
    case 'range':
      return compileRange(p, node);
    case 'template':
      return compileTemplateCall(p, node);
    case 'break':
      return () => {
        throw BREAK;
      };
    case 'continue':
      return () => {
        throw CONTINUE;
      };
  }
}

function truth(v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v === 'object' && v !== null && isGoObject(v) && !v.isNil && !v.basic) return true;
  return isTrue(v);
}

function compileRange(p: Program, node: ControlNode): Exec {
  const pipe = compilePipe(p, node.pipe);
  const list = compileList(p, node.list);
  const elseList = node.elseList ? compileList(p, node.elseList) : undefined;
  const decl = node.pipe.decl;
  const isAssign = node.pipe.isAssign;
  const pos = node.pos;
  return (st, dot) => {
    st.at(pos, 'range');
    const mark = st.vars.length;
    const val = pipe(st, dot);
    const afterDecl = st.vars.length;
    const one = (index: unknown, elem: unknown): boolean => {
      if (decl.length > 0) {
        if (isAssign) st.setVar(decl[0], decl.length > 1 ? index : elem);
        else st.vars[afterDecl - 1].value = elem;
      }
      if (decl.length > 1) {
        if (isAssign) st.setVar(decl[1], elem);
        else st.vars[afterDecl - 2].value = index;
      }
      try {
        list(st, elem);
      } catch (e) {
        if (e instanceof ControlFlow) {
          st.vars.length = afterDecl;
          return e.kind !== 'break';
        }
        throw e;
      }
      if (st.vars.length !== afterDecl) st.vars.length = afterDecl;
      return true;
    };
    let ran = false;
    if (Array.isArray(val)) {
      for (let i = 0; i < val.length; i++) {
        ran = true;
        if (!one(i, val[i])) break;
      }
    } else if (typeof val === 'number') {
      if (decl.length > 1) st.fail(`can't use ${val} to iterate over more than one variable`);
      for (let i = 0; i < val; i++) {
        ran = true;
        if (!one(undefined, i)) break;
      }
    } else if (val === undefined || val === null) {
      // An invalid value acts like an empty map.
    } else if (isMap(val)) {
      for (const k of sortedKeys(val)) {
        ran = true;
        if (!one(k, val[k])) break;
      }
    } else {
      st.fail(`range can't iterate over ${formatValue(val)}`);
    }
    if (!ran && elseList) elseList(st, dot);
    st.vars.length = mark;
  };
}

function compileTemplateCall(p: Program, node: Extract<Node, { kind: 'template' }>): Exec {
  const name = node.name;
  const pos = node.pos;
  const what = `template ${JSON.stringify(name)}`;
  const pipe = node.pipe ? compilePipe(p, node.pipe) : undefined;
  return (st, dot) => {
    st.at(pos, what);
    const body = p.set.bodies.get(name);
    if (!body) return st.fail(`template "${name}" not defined`);
    if (st.depth >= MAX_EXEC_DEPTH) st.fail(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = pipe ? pipe(st, dot) : undefined;
    const inner = new State(st.sink, p, name, body.parseName, body.text, [{ name: '$', value: newDot }], st.depth + 1);
    p.body(name)(inner, newDot);
  };
}

function compilePipe(p: Program, pipe: Pipe): Eval {
  const cmds = pipe.cmds.map((c) => compileCommand(p, c));
  const decl = pipe.decl;
  const isAssign = pipe.isAssign;
  const pos = pipe.pos;
  if (cmds.length === 1 && decl.length === 0) {
    const cmd = cmds[0];
    return (st, dot) => {
      st.at(pos, pipe);
      const value = cmd(st, dot, MISSING);
      // An interface{} holding nil is digged down to "no value".
      return value === null ? undefined : value;
    };
  }
  return (st, dot) => {
    st.at(pos, pipe);
    let value: unknown = MISSING;
    for (let i = 0; i < cmds.length; i++) {
      value = cmds[i](st, dot, value);
      if (value === null) value = undefined;
    }
    for (const v of decl) {
      if (isAssign) st.setVar(v, value);
      else st.vars.push({ name: v, value });
    }
    return value;
  };
}

function compileCommand(p: Program, cmd: Command): Cmd {
  const args = cmd.args;
  const first = args[0];
  switch (first.kind) {
    case 'field':
      return compileDotFieldChain(p, first, args);
    case 'chain':
      return compileChain(p, first, args);
    case 'identifier':
      return compileFunction(p, first, args);
    case 'pipe': {
      const inner = compilePipe(p, first.pipe);
      const many = args.length > 1;
      return (st, dot, final) => {
        notAFunction(st, many, args, final);
        return inner(st, dot);
      };
    }
    case 'variable':
      return compileVariable(p, first, args);
  }
  const many = args.length > 1;
  const pos = first.pos;
  let value: unknown;
  switch (first.kind) {
    case 'bool':
    case 'string':
      value = first.value;
      break;
    case 'number':
      value = idealConstant(first);
      break;
    case 'dot':
      return (st, dot, final) => {
        st.at(pos, first);
        notAFunction(st, many, args, final);
        return dot;
      };
    case 'nil':
      return (st, dot, final) => {
        st.at(pos, first);
        notAFunction(st, many, args, final);
        return st.fail('nil is not a command');
      };
  }
  return (st, dot, final) => {
    st.at(pos, first);
    notAFunction(st, many, args, final);
    // A float constant is a fresh GoFloat each time, as the interpreter made it.
    return value instanceof GoFloat ? new GoFloat(value.value) : value;
  };
}

function notAFunction(st: State, many: boolean, args: Arg[], final: unknown): void {
  if (many || final !== MISSING) st.fail(`can't give argument to non-function ${argString(args[0])}`);
}

type FieldChain = (st: State, dot: unknown, receiver: unknown, final: unknown) => unknown;

function compileFieldChain(p: Program, node: Arg, idents: string[], args: Arg[]): FieldChain {
  const n = idents.length;
  const pos = node.pos;
  const last = idents[n - 1];
  const methodArgs = args.slice(1).map((a) => compileArg(p, 'any', a));
  const many = args.length > 1;
  if (n === 1) {
    return (st, dot, receiver, final) => {
      st.at(pos, node);
      return evalField(st, dot, last, node, methodArgs, many, final, receiver);
    };
  }
  const path = idents.slice(0, n - 1);
  return (st, dot, receiver, final) => {
    st.at(pos, node);
    for (let i = 0; i < path.length; i++) receiver = evalField(st, dot, path[i], node, NO_EVALS, false, MISSING, receiver);
    return evalField(st, dot, last, node, methodArgs, many, final, receiver);
  };
}

/** A field chain on dot (`.A.B`): the field chain with dot as its receiver, one call less. */
function compileDotFieldChain(p: Program, node: Extract<Arg, { kind: 'field' }>, args: Arg[]): Cmd {
  const idents = node.idents;
  if (idents.length > 1) {
    const chain = compileFieldChain(p, node, idents, args);
    return (st, dot, final) => chain(st, dot, dot, final);
  }
  const pos = node.pos;
  const name = idents[0];
  const methodArgs = args.slice(1).map((a) => compileArg(p, 'any', a));
  const many = args.length > 1;
  return (st, dot, final) => {
    st.at(pos, node);
    return evalField(st, dot, name, node, methodArgs, many, final, dot);
  };
}

function compileChain(p: Program, chain: Extract<Arg, { kind: 'chain' }>, args: Arg[]): Cmd {
  const isNil = chain.node.kind === 'nil';
  const operand = isNil ? undefined : compileArg(p, 'any', chain.node);
  const rest = compileFieldChain(p, chain, chain.idents, args);
  return (st, dot, final) => {
    if (!operand) return st.fail(`indirection through explicit nil in ${argString(chain)}`);
    return rest(st, dot, operand(st, dot), final);
  };
}

function compileVariable(p: Program, v: Extract<Arg, { kind: 'variable' }>, args: Arg[]): Cmd {
  const pos = v.pos;
  const name = v.name;
  if (v.idents.length === 0) {
    const many = args.length > 1;
    return (st, dot, final) => {
      st.at(pos, v);
      const value = st.varValue(name);
      notAFunction(st, many, args, final);
      return value;
    };
  }
  const chain = compileFieldChain(p, v, v.idents, args);
  return (st, dot, final) => {
    st.at(pos, v);
    return chain(st, dot, st.varValue(name), final);
  };
}

function evalField(
  st: State, dot: unknown, name: string, node: Arg, args: Eval[], many: boolean, final: unknown, receiver: unknown,
): unknown {
  if (receiver === undefined || receiver === MISSING) return undefined;
  if (receiver === null) st.fail(`nil pointer evaluating interface {}.${name}`);
  const hasArgs = many || final !== MISSING;
  if (isGoObject(receiver)) {
    const method = receiver.method?.(name);
    if (method) return callMethod(st, dot, receiver, name, method, node, args, final);
    if (receiver.isNil) st.fail(`nil pointer evaluating ${receiver.goType}.${name}`);
    const v = receiver.field(name);
    if (v !== NO_FIELD) {
      if (hasArgs) st.fail(`${name} has arguments but cannot be invoked as function`);
      return v;
    }
    return st.fail(`can't evaluate field ${name} in type ${receiver.goType}`);
  }
  // isMap without its GoObject test again: the receiver is known not to be one here.
  if (typeof receiver === 'object' && !Array.isArray(receiver) && !(receiver instanceof GoFloat)) {
    if (hasArgs) st.fail(`${name} is not a method but has arguments`);
    return Object.prototype.hasOwnProperty.call(receiver, name) ? (receiver as Record<string, unknown>)[name] : undefined;
  }
  return st.fail(`can't evaluate field ${name} in type ${goTypeOf(receiver)}`);
}

function callMethod(
  st: State, dot: unknown, receiver: GoObject, name: string, method: (...a: unknown[]) => unknown, node: Arg, args: Eval[], final: unknown,
): unknown {
  const argv = args.map((a) => a(st, dot));
  if (final !== MISSING) argv.push(final);
  try {
    return method.apply(receiver, argv);
  } catch (e) {
    st.at(node.pos, node);
    return st.fail(`error calling ${name}: ${errorMessage(e)}`);
  }
}

function compileFunction(p: Program, node: Extract<Arg, { kind: 'identifier' }>, args: Arg[]): Cmd {
  const pos = node.pos;
  const f = p.set.funcs[node.name];
  if (!f) {
    return (st) => {
      st.at(pos, node);
      return st.fail(`"${node.name}" is not a defined function`);
    };
  }
  return compileCall(p, f, node, node.name, args);
}

/** A call of `f`; like every command, it first marks its node as where errors are reported. */
function compileCall(p: Program, f: GoFunc, node: Arg, name: string, args: Arg[]): Cmd {
  const pos = node.pos;
  // args[0] is the function itself.
  const given = args.length - 1;
  const params = f.params;
  const variadic = f.variadic;
  const arity = (st: State, final: unknown): void => {
    const numIn = given + (final !== MISSING ? 1 : 0);
    if (variadic !== undefined) {
      if (numIn < params.length) st.fail(`wrong number of args for ${name}: want at least ${params.length} got ${given}`);
    } else if (numIn !== params.length) {
      st.fail(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
  };
  if (f.lazy) {
    const operands = args.slice(1).map((a) => compileArg(p, 'reflect.Value', a));
    const stopOn = f.lazy === 'or';
    return (st, dot, final) => {
      st.at(pos, node);
      arity(st, final);
      let v: unknown = undefined;
      for (let i = 0; i < operands.length; i++) {
        v = operands[i](st, dot);
        if (isTrue(v) === stopOn) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    };
  }
  const operands = args.slice(1).map((a, i) => compileArg(p, i < params.length ? params[i] : variadic!, a));
  // The previous command's value, when piped in, is the argument after the given ones.
  const finalType = given < params.length ? params[given] : variadic;
  const checkFinal = finalType === undefined ? undefined : typeCheck(finalType);
  const fn = f.fn;
  const fits = (numIn: number): boolean => (variadic !== undefined ? numIn >= params.length : numIn === params.length);
  const fitsAlone = fits(given);
  const fitsPiped = fits(given + 1);
  const failed = (st: State, e: unknown): never => {
    if (e instanceof TemplateExecError) throw e;
    st.at(node.pos, args);
    return st.fail(`error calling ${name}: ${errorMessage(e)}`);
  };
  // The common shapes call the function directly, without an argument array.
  const [op0, op1, op2] = operands;
  return (st, dot, final) => {
    st.at(pos, node);
    if (final === MISSING) {
      if (!fitsAlone) arity(st, final);
      switch (given) {
        case 0:
          try {
            return fn();
          } catch (e) {
            return failed(st, e);
          }
        case 1: {
          const a = op0(st, dot);
          try {
            return fn(a);
          } catch (e) {
            return failed(st, e);
          }
        }
        case 2: {
          const a = op0(st, dot);
          const b = op1(st, dot);
          try {
            return fn(a, b);
          } catch (e) {
            return failed(st, e);
          }
        }
        case 3: {
          const a = op0(st, dot);
          const b = op1(st, dot);
          const c = op2(st, dot);
          try {
            return fn(a, b, c);
          } catch (e) {
            return failed(st, e);
          }
        }
      }
    } else if (!fitsPiped) arity(st, final);
    const argv: unknown[] = new Array(given + (final !== MISSING ? 1 : 0));
    for (let i = 0; i < given; i++) argv[i] = operands[i](st, dot);
    if (final !== MISSING) argv[given] = checkFinal!(st, final);
    try {
      return fn(...argv);
    } catch (e) {
      return failed(st, e);
    }
  };
}

/** An operand as a function argument of Go type `typ` (Go's evalArg). */
function compileArg(p: Program, typ: string, n: Arg): Eval {
  const pos = n.pos;
  const check = typeCheck(typ);
  switch (n.kind) {
    case 'dot':
      return (st, dot) => {
        st.at(pos, n);
        return check(st, dot);
      };
    case 'nil':
      return (st) => {
        st.at(pos, n);
        if (canBeNil(typ)) return null;
        return st.fail(`cannot assign nil to ${typ}`);
      };
    case 'field': {
      const chain = compileFieldChain(p, n, n.idents, NO_ARGS);
      if (typ === 'any') {
        return (st, dot) => {
          st.at(pos, n);
          const value = chain(st, dot, dot, MISSING);
          return value === undefined || value === MISSING ? null : value;
        };
      }
      return (st, dot) => {
        st.at(pos, n);
        return check(st, chain(st, dot, dot, MISSING));
      };
    }
    case 'variable': {
      const v = compileVariable(p, n, NO_ARGS);
      return (st, dot) => {
        st.at(pos, n);
        return check(st, v(st, dot, MISSING));
      };
    }
    case 'pipe': {
      const pipe = compilePipe(p, n.pipe);
      return (st, dot) => {
        st.at(pos, n);
        return check(st, pipe(st, dot));
      };
    }
    case 'identifier': {
      const fn = compileFunction(p, n, [n]);
      return (st, dot) => {
        st.at(pos, n);
        return check(st, fn(st, dot, MISSING));
      };
    }
    case 'chain': {
      const chain = compileChain(p, n, []);
      return (st, dot) => {
        st.at(pos, n);
        return check(st, chain(st, dot, MISSING));
      };
    }
  }
  const constant = (value: () => unknown): Eval => (st) => {
    st.at(pos, n);
    return value();
  };
  const failing = (msg: string): Eval => (st) => {
    st.at(pos, n);
    return st.fail(msg);
  };
  switch (typ) {
    case 'bool':
      if (n.kind === 'bool') return constant(() => n.value);
      return failing(`expected bool; found ${argString(n)}`);
    case 'float64':
    case 'float32':
      if (n.kind === 'number') return constant(() => new GoFloat(n.float));
      return failing(`expected float; found ${argString(n)}`);
    case 'int':
    case 'int32':
    case 'int64':
      if (n.kind === 'number' && n.isInt) return constant(() => n.int);
      return failing(`expected integer; found ${argString(n)}`);
    case 'string':
      if (n.kind === 'string') return constant(() => n.value);
      return failing(`expected string; found ${argString(n)}`);
    case 'any':
    case 'reflect.Value':
      return constant(() => (n.kind === 'number' ? idealConstant(n) : n.kind === 'bool' ? n.value : n.kind === 'string' ? n.value : null));
  }
  return failing(`can't handle ${argString(n)} for arg of type ${typ}`);
}

/** Go's validateType for arguments of type `typ`. */
function typeCheck(typ: string): Check {
  if (typ === 'any') return (st, value) => (value === undefined || value === MISSING ? null : value);
  if (typ === 'reflect.Value') return (st, value) => (value === MISSING ? undefined : value);
  return (st, value) => {
    if (value === undefined || value === MISSING) {
      if (canBeNil(typ)) return zeroOf(typ) ?? null;
      return st.fail(`invalid value; expected ${typ}`);
    }
    if (assignable(value, typ)) return value;
    if (isGoObject(value) && value.goType === `*${typ}`) {
      if (value.isNil) st.fail(`dereference of nil pointer of type ${typ}`);
      return value;
    }
    return st.fail(`wrong type for value; expected ${typ}; got ${value === null ? 'interface {}' : goTypeOf(value)}`);
  };
}

function print(st: State, v: unknown, pos: number, node: Pipe): void {
  st.at(pos, node);
  if (typeof v === 'string') {
    st.sink.text += v;
    return;
  }
  if (v === undefined) {
    st.sink.text += '<no value>';
    return;
  }
  if (typeof v === 'function') st.fail(`can't print ${pipeString(node)} of type func`);
  st.sink.text += formatValue(v);
}

/** The operands of a command with no arguments. */
const NO_EVALS: Eval[] = [];

/** An operand evaluated on its own: no arguments to pass to a method. */
const NO_ARGS: Arg[] = [];

/** Marks "no final argument" in a pipeline (distinct from a missing value). */
const MISSING: unique symbol = Symbol('missing');

function canBeNil(typ: string): boolean {
  return typ === 'any' || typ === 'reflect.Value' || typ.startsWith('map[') || typ.startsWith('[]') || typ.startsWith('*') || typ.startsWith('func');
}

function assignable(v: unknown, typ: string): boolean {
  switch (typ) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
    case 'int32':
    case 'int64':
      return typeof v === 'number';
    case 'float64':
      return v instanceof GoFloat;
  }
  if (v === null) return canBeNil(typ);
  const t = goTypeOf(v);
  if (t === typ) return true;
  // An untyped JSON map/slice is accepted where the host declared the generic type.
  if (typ === 'map[string]interface {}' && isMap(v) && elemType(v) === 'interface {}') return true;
  return false;
}

function idealConstant(n: Extract<Arg, { kind: 'number' }>): unknown {
  const floaty = /[.eEpP]/.test(n.text) && !/^[+-]?0[xX][0-9a-fA-F_]+$/.test(n.text) && !n.text.startsWith("'");
  if (!floaty && n.isInt) return n.int;
  return new GoFloat(n.float);
}
