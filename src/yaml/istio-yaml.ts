import { goFormatFloat } from './go-number';
import { sortKeysGoYaml } from './key-order';
import { EmitterWriter } from './emitter-writer';
import { analyzeScalar, chooseStyle, Style, type ScalarFacts } from './scalar-style';

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

const INT64_MIN = -(2 ** 63);
const UINT64_LIMIT = 2 ** 64;

class Emitter extends EmitterWriter {
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

