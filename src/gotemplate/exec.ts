// text/template's executor (text/template/exec.go semantics): evaluation of pipelines, fields, methods,
// variables and function calls, control structures, and Go's printing of values.
import { argString, pipeString, type Arg, type Command, type ControlNode, type Node, type Pipe } from './parse';
import {
  GoFloat, NO_FIELD, elemType, formatValue, goTypeOf, isGoObject, isMap, isTrue, sortedKeys, zeroOf, type GoObject,
} from './values';

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

/** Executes template `name` of the set with `data` as dot; returns the output text. */
export function execute(set: TemplateSet, name: string, data: unknown): string {
  const body = set.bodies.get(name);
  if (!body) throw new TemplateExecError(`template: no template "${name}" associated with template "${name}"`);
  const state = new State(set, name, body.parseName, body.text, [{ name: '$', value: data }], 0);
  const out: string[] = [];
  state.out = out;
  state.walkList(data, body.nodes);
  return out.join('');
}

class State {
  out: string[] = [];
  private atPos = 0;
  /** The node errors are reported at; its text is only built when an error is. */
  private atNode: string | Arg | Pipe | Arg[] = '';

  constructor(
    private readonly set: TemplateSet,
    private readonly name: string,
    private readonly parseName: string,
    private readonly text: string,
    private vars: Variable[],
    private readonly depth: number,
  ) {}

  private at(pos: number, node: string | Arg | Pipe | Arg[]): void {
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

  walkList(dot: unknown, nodes: Node[]): void {
    for (const n of nodes) this.walk(dot, n);
  }

  private walk(dot: unknown, node: Node): void {
    switch (node.kind) {
      case 'text':
        this.out.push(node.text);
        return;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.print(v, node.pos, node.pipe);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        const truth = this.truth(v, node.pos, node.kind);
        if (truth) this.walkList(node.kind === 'with' ? v : dot, node.list);
        else if (node.elseList) this.walkList(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'break':
      case 'continue':
        throw new ControlFlow(node.kind);
    }
  }

  private truth(v: unknown, pos: number, what: string): boolean {
    if (v === undefined) return false;
    if (typeof v === 'object' && v !== null && isGoObject(v) && !v.isNil && !v.basic) return true;
    void pos;
    void what;
    return isTrue(v);
  }

  private walkRange(dot: unknown, node: ControlNode): void {
    this.at(node.pos, 'range');
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, node.pipe);
    const afterDecl = this.vars.length;
    const decl = node.pipe.decl;
    const one = (index: unknown, elem: unknown): boolean => {
      if (decl.length > 0) {
        if (node.pipe.isAssign) this.setVar(decl.length > 1 ? decl[0] : decl[0], decl.length > 1 ? index : elem);
        else this.vars[decl.length > 1 ? afterDecl - 1 : afterDecl - 1].value = elem;
      }
      if (decl.length > 1) {
        if (node.pipe.isAssign) this.setVar(decl[1], elem);
        else this.vars[afterDecl - 2].value = index;
      }
      try {
        this.walkList(elem, node.list);
      } catch (e) {
        if (e instanceof ControlFlow) {
          this.vars.length = afterDecl;
          if (e.kind === 'break') return false;
          return true;
        }
        throw e;
      }
      this.vars.length = afterDecl;
      return true;
    };
    let ran = false;
    if (Array.isArray(val)) {
      for (let i = 0; i < val.length; i++) {
        ran = true;
        if (!one(i, val[i])) break;
      }
    } else if (typeof val === 'number') {
      if (decl.length > 1) this.fail(`can't use ${val} to iterate over more than one variable`);
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
      this.fail(`range can't iterate over ${formatValue(val)}`);
    }
    if (!ran && node.elseList) this.walkList(dot, node.elseList);
    this.vars.length = mark;
  }

  private walkTemplate(dot: unknown, node: Extract<Node, { kind: 'template' }>): void {
    this.at(node.pos, `template ${JSON.stringify(node.name)}`);
    const body = this.set.bodies.get(node.name);
    if (!body) this.fail(`template "${node.name}" not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.fail(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    const inner = new State(this.set, node.name, body.parseName, body.text, [{ name: '$', value: newDot }], this.depth + 1);
    inner.out = this.out;
    inner.walkList(newDot, body.nodes);
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.fail(`undefined variable: ${name}`);
  }

  evalPipeline(dot: unknown, pipe: Pipe): unknown {
    this.at(pipe.pos, pipe);
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // An interface{} holding nil is digged down to "no value".
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v, value);
      else this.vars.push({ name: v, value });
    }
    return value;
  }

  private evalCommand(dot: unknown, cmd: Command, final: unknown): unknown {
    const first = cmd.args[0];
    switch (first.kind) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.idents, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first.pos, first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.fail('nil is not a command');
      case 'number':
        return idealConstant(first);
      case 'string':
        return first.value;
    }
    return this.fail(`can't evaluate command ${argString(first)}`);
  }

  private notAFunction(args: Arg[], final: unknown): void {
    if (args.length > 1 || final !== MISSING) this.fail(`can't give argument to non-function ${argString(args[0])}`);
  }

  private evalVariable(dot: unknown, v: Extract<Arg, { kind: 'variable' }>, args: Arg[], final: unknown): unknown {
    this.at(v.pos, v);
    const value = this.varValue(v.name);
    if (v.idents.length === 0) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.idents, args, final);
  }

  private evalChain(dot: unknown, chain: Extract<Arg, { kind: 'chain' }>, args: Arg[], final: unknown): unknown {
    if (chain.node.kind === 'nil') this.fail(`indirection through explicit nil in ${argString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.idents, args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Arg, idents: string[], args: Arg[], final: unknown): unknown {
    this.at(node.pos, node);
    const n = idents.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, idents[i], node, [], MISSING, receiver);
    return this.evalField(dot, idents[n - 1], node, args, final, receiver);
  }

  private evalField(dot: unknown, name: string, node: Arg, args: Arg[], final: unknown, receiver: unknown): unknown {
    if (receiver === undefined || receiver === MISSING) return undefined;
    if (receiver === null) this.fail(`nil pointer evaluating interface {}.${name}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (isGoObject(receiver)) {
      const method = receiver.method?.(name);
      if (method) return this.callMethod(dot, receiver, name, method, node, args, final);
      if (receiver.isNil) {
        if (receiver.field(name) !== NO_FIELD || true) this.fail(`nil pointer evaluating ${receiver.goType}.${name}`);
      }
      const v = receiver.field(name);
      if (v !== NO_FIELD) {
        if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
        return v;
      }
      return this.fail(`can't evaluate field ${name} in type ${receiver.goType}`);
    }
    if (isMap(receiver)) {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`);
      return Object.prototype.hasOwnProperty.call(receiver, name) ? receiver[name] : undefined;
    }
    return this.fail(`can't evaluate field ${name} in type ${goTypeOf(receiver)}`);
  }

  private callMethod(
    dot: unknown, receiver: GoObject, name: string, method: (...a: unknown[]) => unknown, node: Arg, args: Arg[], final: unknown,
  ): unknown {
    const argv = args.slice(1).map((a) => this.evalArg(dot, 'any', a));
    if (final !== MISSING) argv.push(final);
    try {
      return method.apply(receiver, argv);
    } catch (e) {
      this.at(node.pos, node);
      return this.fail(`error calling ${name}: ${(e as Error).message}`);
    }
  }

  private evalFunction(dot: unknown, node: Extract<Arg, { kind: 'identifier' }>, args: Arg[], final: unknown): unknown {
    this.at(node.pos, node);
    const f = this.set.funcs[node.name];
    if (!f) return this.fail(`"${node.name}" is not a defined function`);
    return this.evalCall(dot, f, node, node.name, args, final);
  }

  private evalCall(dot: unknown, f: GoFunc, node: Arg, name: string, args: Arg[], final: unknown): unknown {
    // args[0] is the function itself.
    const given = args.length - 1;
    const numIn = given + (final !== MISSING ? 1 : 0);
    const params = f.params;
    if (f.variadic !== undefined) {
      if (numIn < params.length) this.fail(`wrong number of args for ${name}: want at least ${params.length} got ${given}`);
    } else if (numIn !== params.length) {
      this.fail(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    if (f.lazy) {
      let v: unknown = undefined;
      for (let i = 1; i < args.length; i++) {
        v = this.evalArg(dot, 'reflect.Value', args[i]);
        if (isTrue(v) === (f.lazy === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argv: unknown[] = new Array(numIn);
    for (let i = 0; i < given; i++) argv[i] = this.evalArg(dot, i < params.length ? params[i] : f.variadic!, args[i + 1]);
    if (final !== MISSING) argv[given] = this.validateType(final, given < params.length ? params[given] : f.variadic!);
    try {
      return f.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.at(node.pos, args);
      return this.fail(`error calling ${name}: ${(e as Error).message}`);
    }
  }

  evalArg(dot: unknown, typ: string, n: Arg): unknown {
    this.at(n.pos, n);
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (canBeNil(typ)) return null;
        return this.fail(`cannot assign nil to ${typ}`);
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, n, n.idents, NO_ARGS, MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariable(dot, n, NO_ARGS, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n.pipe), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, [n], MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChain(dot, n, [], MISSING), typ);
    }
    switch (typ) {
      case 'bool':
        if (n.kind === 'bool') return n.value;
        return this.fail(`expected bool; found ${argString(n)}`);
      case 'float64':
      case 'float32':
        if (n.kind === 'number') return new GoFloat(n.float);
        return this.fail(`expected float; found ${argString(n)}`);
      case 'int':
      case 'int32':
      case 'int64':
        if (n.kind === 'number' && n.isInt) return n.int;
        return this.fail(`expected integer; found ${argString(n)}`);
      case 'string':
        if (n.kind === 'string') return n.value;
        return this.fail(`expected string; found ${argString(n)}`);
      case 'any':
      case 'reflect.Value':
        return n.kind === 'number' ? idealConstant(n) : n.kind === 'bool' ? n.value : n.kind === 'string' ? n.value : null;
    }
    return this.fail(`can't handle ${argString(n)} for arg of type ${typ}`);
  }

  private validateType(value: unknown, typ: string): unknown {
    if (value === undefined || value === MISSING) {
      if (typ === 'any') return null;
      if (typ === 'reflect.Value') return undefined;
      if (canBeNil(typ)) return zeroOf(typ) ?? null;
      return this.fail(`invalid value; expected ${typ}`);
    }
    if (typ === 'any' || typ === 'reflect.Value') return value;
    if (assignable(value, typ)) return value;
    if (isGoObject(value) && value.goType === `*${typ}`) {
      if (value.isNil) this.fail(`dereference of nil pointer of type ${typ}`);
      return value;
    }
    return this.fail(`wrong type for value; expected ${typ}; got ${value === null ? 'interface {}' : goTypeOf(value)}`);
  }

  private print(v: unknown, pos: number, node: Pipe): void {
    this.at(pos, node);
    if (v === undefined) {
      this.out.push('<no value>');
      return;
    }
    if (typeof v === 'function') this.fail(`can't print ${pipeString(node)} of type func`);
    this.out.push(formatValue(v));
  }
}

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
