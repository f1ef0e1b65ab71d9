// sigs.k8s.io/yaml.Marshal as templates' toYaml uses it: encoding/json first, then go-yaml v2's block
// style (keys in yaml.v2's natural order, sequences flush with their key, scalars quoted only when
// they would read back as something else).
import { setBounded } from '../memoise';
import { toJsonValue } from './values';

/** yaml.v2's key order: letters after non-letters, runs of digits compared as numbers. */
export function yamlKeyLess(a: string, b: string): boolean {
  // Keys are nearly always ASCII letters, digits and punctuation: compared on char codes, no arrays.
  if (!NON_ASCII.test(a) && !NON_ASCII.test(b)) return keyLess(a, b, a.length, b.length, (s, i) => s.charCodeAt(i), asciiLetter);
  const ar = [...a];
  const br = [...b];
  return keyLess(ar, br, ar.length, br.length, (s, i) => s[i].codePointAt(0)!, (c) => LETTER.test(String.fromCodePoint(c)));
}

/** Anything beyond ASCII (the class spans the whole ASCII range, control characters included). */
// eslint-disable-next-line no-control-regex -- the range starts at NUL on purpose
const NON_ASCII = /[^\x00-\x7f]/;
const LETTER = /\p{L}/u;
const asciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigitCode = (c: number) => c >= 48 && c <= 57;

/** The comparison over code points, `at` reading the code point at an index of either key. */
function keyLess<T extends string | string[]>(a: T, b: T, al: number, bl: number, at: (s: T, i: number) => number, isLetter: (c: number) => boolean): boolean {
  for (let i = 0; i < al && i < bl; i++) {
    const ac = at(a, i);
    const bc = at(b, i);
    if (ac === bc) continue;
    const aLetter = isLetter(ac);
    const bLetter = isLetter(bc);
    if (aLetter && bLetter) return ac < bc;
    if (aLetter || bLetter) return bLetter;
    let an = 0;
    let bn = 0;
    if (ac === 48 || bc === 48) {
      for (let j = i - 1; j >= 0 && isDigitCode(at(a, j)); j--) {
        if (at(a, j) !== 48) {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < al && isDigitCode(at(a, ai)); ai++) an = an * 10 + (at(a, ai) - 48);
    for (; bi < bl && isDigitCode(at(b, bi)); bi++) bn = bn * 10 + (at(b, bi) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ac < bc;
  }
  return al < bl;
}

const RESOLVES_NON_STRING =
  /^(~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;
const NUMBER = /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[0-9][0-9_]*|(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?)$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]|$)/;

function plainAllowed(s: string): boolean {
  if (s === '') return false;
  if (/^\s|\s$/.test(s)) return false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return false;
  if (/^[-?:](\s|$)/.test(s)) return false;
  if (/: |:$| #/.test(s)) return false;
  // eslint-disable-next-line no-control-regex -- control characters are what keeps a string from being plain
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(s)) return false;
  if (s.startsWith('---') || s.startsWith('...')) return false;
  return true;
}

function scalarString(s: string): string {
  const resolvesOther = RESOLVES_NON_STRING.test(s) || NUMBER.test(s) || BASE60.test(s) || TIMESTAMP.test(s);
  if (!resolvesOther && plainAllowed(s)) return s;
  if (resolvesOther && s !== '') return doubleQuoted(s);
  if (s === '') return '""';
  // eslint-disable-next-line no-control-regex -- control characters are what needs double quotes
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s)) return doubleQuoted(s);
  return `'${s.replace(/'/g, "''")}'`;
}

function doubleQuoted(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => (/\p{L}|\p{N}|\p{P}|\p{S}/u.test(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  const m = /^(-?[0-9.]+)e([+-])(\d+)$/.exec(s);
  if (m) return `${m[1]}e${m[2]}${m[3].padStart(2, '0')}`;
  return s;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function inline(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v.includes('\n') ? undefined : scalarString(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  return Object.keys(v as object).length === 0 ? '{}' : undefined;
}

function literal(s: string, indent: string): string {
  const chomp = s.endsWith('\n') ? (/\n\n+$/.test(s) ? '+' : '') : '-';
  const body = chomp === '-' ? s : s.replace(/\n$/, '');
  const lead = /^[ \n]/.test(s) ? '2' : '';
  const lines = (chomp === '+' ? s.slice(0, -1) : body).split('\n');
  return `|${lead}${chomp}\n${lines.map((l) => (l === '' ? '' : indent + l)).join('\n')}\n`;
}

function emit(v: unknown, indent: string): string {
  if (Array.isArray(v)) {
    return v
      .map((item) => {
        const s = inline(item);
        if (s !== undefined) return `${indent}- ${s}\n`;
        if (typeof item === 'string') return `${indent}- ${literal(item, indent + '  ')}`;
        const inner = emit(item, indent + '  ');
        return `${indent}- ${inner.slice(indent.length + 2)}`;
      })
      .join('');
  }
  const m = v as Record<string, unknown>;
  const keys = Object.keys(m).sort((a, b) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
  return keys
    .map((k) => {
      const key = scalarString(k);
      const val = m[k];
      const s = inline(val);
      if (s !== undefined) return `${indent}${key}: ${s}\n`;
      if (typeof val === 'string') return `${indent}${key}: ${literal(val, indent + '  ')}`;
      if (Array.isArray(val)) return `${indent}${key}:\n${emit(val, indent)}`;
      return `${indent}${key}:\n${emit(val, indent + '  ')}`;
    })
    .join('');
}

/**
 * Recent toYaml results by their JSON: templates marshal the same values (resources, annotations, the
 * proxy config) for pod after pod, and the YAML is a function of the JSON alone.
 */
const yamlOfJson = new Map<string, string>();
const YAML_MEMO_ENTRIES = 512;

/** sigs.k8s.io/yaml.Marshal of a template value (always ends with a newline). */
export function toYamlText(value: unknown): string {
  const jsonText = JSON.stringify(toJsonValue(value)) ?? 'null';
  let yaml = yamlOfJson.get(jsonText);
  if (yaml === undefined) {
    yaml = yamlOfJsonText(jsonText);
    setBounded(yamlOfJson, jsonText, yaml, YAML_MEMO_ENTRIES);
  }
  return yaml;
}

function yamlOfJsonText(jsonText: string): string {
  const json = JSON.parse(jsonText);
  const s = inline(json);
  if (s !== undefined) return `${s}\n`;
  if (typeof json === 'string') return literal(json, '  ');
  return emit(json, '');
}

void isMapping;
