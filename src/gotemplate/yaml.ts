// sigs.k8s.io/yaml.Marshal as templates' toYaml uses it: encoding/json first, then go-yaml v2's block
// style (keys in yaml.v2's natural order, sequences flush with their key, scalars quoted only when
// they would read back as something else).
import { toJsonValue } from './values';

/** yaml.v2's key order: letters after non-letters, runs of digits compared as numbers. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string) => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined) => c !== undefined && /[0-9]/.test(c);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
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

/** sigs.k8s.io/yaml.Marshal of a template value (always ends with a newline). */
export function toYamlText(value: unknown): string {
  const json = JSON.parse(JSON.stringify(toJsonValue(value)) ?? 'null');
  const s = inline(json);
  if (s !== undefined) return `${s}\n`;
  if (typeof json === 'string') return literal(json, '  ');
  return emit(json, '');
}

void isMapping;
