// A Go text/template renderer: Go's parsing, execution and printing semantics, the predefined
// functions, and the Sprig functions Istio's templates use. Hosts add their own functions and expose Go
// structs through GoObject.
import { BUILTINS } from './builtins';
import { execute, TemplateExecError, type FuncMap, type TemplateSet } from './exec';
import { parseTemplates, TemplateParseError } from './parse';
import { SPRIG } from './sprig';

export { TemplateExecError, TemplateParseError, SPRIG, BUILTINS };
export type { FuncMap, GoFunc } from './exec';
export {
  GoFloat, NO_FIELD, typed, isGoObject, isMap, goTypeOf, formatValue, goJsonMarshal, jsonString, toJsonValue,
  fromJsonValue, type GoObject,
} from './values';
export { sprint, sprintf, goQuote } from './fmt';
export { toYamlText } from './yaml';
export { empty, strval } from './sprig';

/** A parsed template and the templates it defines, ready to execute many times. */
export class GoTemplate {
  private constructor(
    readonly name: string,
    private readonly set: TemplateSet,
  ) {}

  /**
   * Parses `text` as Go's `template.New(name).Funcs(funcs).Parse(text)` does: builtins first, then each
   * map in order (later maps override earlier ones). Throws TemplateParseError with Go's message.
   */
  static parse(name: string, text: string, ...funcMaps: FuncMap[]): GoTemplate {
    const funcs: FuncMap = Object.assign({}, BUILTINS, ...funcMaps);
    const parsed = parseTemplates(name, text, (fn) => Object.prototype.hasOwnProperty.call(funcs, fn));
    const bodies: TemplateSet['bodies'] = new Map();
    for (const [n, nodes] of parsed.templates) bodies.set(n, { nodes, parseName: name, text });
    if (!bodies.has(name)) bodies.set(name, { nodes: [], parseName: name, text });
    return new GoTemplate(name, { bodies, funcs });
  }

  /** Executes the template with `data` as dot. Throws TemplateExecError with Go's message. */
  execute(data: unknown): string {
    return execute(this.set, this.name, data);
  }

  /** Names of the templates defined (including this one). */
  definedTemplates(): string[] {
    return [...this.set.bodies.keys()];
  }
}

/** Go's `template.New(name).Funcs(sprig.TxtFuncMap()).Funcs(extra).Parse(text)`. */
export function parseWithSprig(name: string, text: string, extra: FuncMap = {}): GoTemplate {
  return GoTemplate.parse(name, text, SPRIG, extra);
}
