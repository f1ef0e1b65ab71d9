// The toolkit of the `/mesh` grammar, the same for every verb: the character check, options and flags, DNS labels
// and app references, steps, durations and weights, and one-line errors that end with the verb's usage. Each verb
// spells its own words with it (src/jobs/verbs/<verb>.ts, through the VerbTools of ./verb.ts). Pure: no I/O,
// nothing is ever run by a shell.
import { suggest } from './suggest';
import { isDnsLabel } from '../dns-label';

export const MAX_TEXT_LENGTH = 300;
export const DEFAULT_NAMESPACE = 'default';

const COMMIT = /^[0-9a-f]{40}$/;
const ALLOWED_CHAR = /[A-Za-z0-9 \t._=,-]/;

/** A text that is not a command; its message is the one line the requester sees. */
export class ParseError extends Error {}

export function fail(message: string): never {
  throw new ParseError(message);
}

/** Shows a character safely inside Slack mrkdwn: code points only for the ones Slack interprets. */
function describeChar(ch: string): string {
  const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[!-~]$/.test(ch) && !/[<>&`*_~"\\]/.test(ch) ? `"${ch}" (${code})` : code;
}

/** The whole text before any word is read: short, and only the characters names and options use. */
export function checkCharacters(text: string): void {
  if (text.length > MAX_TEXT_LENGTH) fail(`the command is too long (${text.length} characters; at most ${MAX_TEXT_LENGTH})`);
  let column = 1;
  for (const ch of text) {
    if (!ALLOWED_CHAR.test(ch)) {
      const hint = ch === '/' || ch === '\\' || ch === ':' ? '; paths are not accepted, nor URLs: name a registered app (see /mesh apps)' : '';
      fail(`unexpected character ${describeChar(ch)} at column ${column}: names use only a-z, 0-9 and "-"${hint}`);
    }
    column += 1;
  }
}

export function validateDnsLabel(value: string, what: string): string {
  if (value.length > 63) fail(`${what} "${value.slice(0, 20)}…" is longer than 63 characters`);
  if (value !== value.toLowerCase()) fail(`${what} "${value}" must be lowercase (a DNS label)`);
  if (!isDnsLabel(value)) fail(`${what} "${value}" is not a DNS label (a-z, 0-9 and "-", starting and ending alphanumeric)`);
  return value;
}

/** An app or component reference: a DNS label, or `<app>.<component>` (two labels). Never a path or URL. */
export function validateReference(value: string): string {
  if (!value.includes('.')) return validateDnsLabel(value, 'app');
  const labels = value.split('.');
  if (labels.length > 2 || !labels.every(isDnsLabel)) {
    fail(`"${value}" is not an app reference (an app or component name, or <app>.<component>; a-z, 0-9 and "-")`);
  }
  return value;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const guess = suggest(word, candidates);
  return guess ? ` — did you mean "${guess}"?` : '';
}

/** The verb whose words are read: errors name it and end with its usage. */
export interface VerbName {
  name: string;
  usage: string;
}

export interface Options {
  positionals: string[];
  namespace?: string;
  cluster?: string;
  commit?: string;
  revision?: number;
  flags: Set<string>;
}

/** What a verb accepts besides positionals: its boolean flags, and which of the common value options. */
export interface Accepts {
  flags?: string[];
  /** `-n <namespace>` / `--namespace`. */
  namespace?: boolean;
  cluster?: boolean;
  commit?: boolean;
  /** `--to <revision>`. */
  revision?: boolean;
}

/** Splits the words after the verb into positionals, the common options and boolean flags known to the verb. */
export function readOptions(verb: VerbName, words: string[], accepts: Accepts): Options {
  const { usage } = verb;
  const booleanFlags = accepts.flags ?? [];
  const options: Options = { positionals: [], flags: new Set() };
  const known = [...booleanFlags, ...(accepts.namespace ? ['-n', '--namespace'] : []), ...(accepts.cluster ? ['--cluster'] : []), ...(accepts.commit ? ['--commit'] : []), ...(accepts.revision ? ['--to'] : [])];
  for (let i = 0; i < words.length; i += 1) {
    let word = words[i]!;
    let inlineValue: string | undefined;
    if (word.startsWith('--') && word.includes('=')) {
      inlineValue = word.slice(word.indexOf('=') + 1);
      word = word.slice(0, word.indexOf('='));
    }
    if (accepts.namespace && (word === '-n' || word === '--namespace')) {
      const value = inlineValue ?? words[++i];
      if (value === undefined || value.startsWith('-')) fail(`${word} needs a namespace; usage: ${usage}`);
      if (options.namespace !== undefined) fail(`the namespace is given twice; usage: ${usage}`);
      options.namespace = validateDnsLabel(value, 'namespace');
    } else if (accepts.cluster && word === '--cluster') {
      const value = inlineValue ?? words[++i];
      if (value === undefined || value.startsWith('-')) fail(`--cluster needs a cluster name; usage: ${usage}`);
      if (options.cluster !== undefined) fail(`the cluster is given twice; usage: ${usage}`);
      options.cluster = validateDnsLabel(value, 'cluster');
    } else if (accepts.commit && word === '--commit') {
      const value = inlineValue ?? words[++i];
      if (value === undefined || !COMMIT.test(value)) fail(`--commit needs a full commit id (40 hex digits); usage: ${usage}`);
      options.commit = value;
    } else if (accepts.revision && word === '--to') {
      const value = inlineValue ?? words[++i];
      if (value === undefined || !/^[1-9][0-9]{0,8}$/.test(value)) fail(`--to needs a revision number (see /mesh history); usage: ${usage}`);
      options.revision = Number(value);
    } else if (booleanFlags.includes(word) && inlineValue === undefined) {
      options.flags.add(word);
    } else if (word.startsWith('-')) {
      fail(`"${verb.name}" has no option "${word}"${didYouMean(word, known)}; usage: ${usage}`);
    } else if (inlineValue === undefined && !word.includes('=')) {
      options.positionals.push(word);
    } else {
      fail(`unexpected "${word}"; usage: ${usage}`);
    }
  }
  return options;
}

/** The one positional the verb takes (`what` names it in errors: "an app name"). */
export function exactlyOne(verb: VerbName, options: Options, what: string): string {
  const [first, ...rest] = options.positionals;
  if (first === undefined) fail(`"${verb.name}" needs ${what}; usage: ${verb.usage}`);
  if (rest.length > 0) fail(`unexpected "${rest[0]}" after ${what} "${first}"; usage: ${verb.usage}`);
  return first;
}

/** The namespace and cluster of the options, each only when given. */
export function where(o: Options): { namespace?: string; cluster?: string } {
  return { ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.cluster ? { cluster: o.cluster } : {}) };
}

/** ` -n <namespace> --cluster <name> --commit <sha>`, each only when the command has it: the canonical options. */
export function whereText(command: { namespace?: string; cluster?: string; commit?: string }): string {
  return `${command.namespace ? ` -n ${command.namespace}` : ''}${clusterText(command)}${command.commit ? ` --commit ${command.commit}` : ''}`;
}

export function clusterText(command: { cluster?: string }): string {
  return command.cluster ? ` --cluster ${command.cluster}` : '';
}

/** Pulls `--flag value` / `--flag=value` of the named flags out of the words; the rest go to readOptions. */
export function takeValueFlags(verb: VerbName, words: string[], names: string[]): { values: Record<string, string>; others: string[] } {
  const values: Record<string, string> = {};
  const others: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    const name = names.find((n) => word === n || word.startsWith(`${n}=`));
    if (!name) {
      others.push(word);
      continue;
    }
    const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : words[++i];
    if (value === undefined || value === '' || value.startsWith('-')) fail(`${name} needs a value; usage: ${verb.usage}`);
    if (name in values) fail(`${name} is given twice; usage: ${verb.usage}`);
    values[name] = value;
  }
  return { values, others };
}

/** `10,25,50,100`: rising percentages, the last 100. */
export function parseSteps(text: string): number[] {
  if (!/^\d{1,3}(,\d{1,3})*$/.test(text)) fail(`--steps "${text}" is not a list of percentages such as 10,25,50,100`);
  const steps = text.split(',').map(Number);
  if (steps.some((s, i) => s < 1 || s > 100 || (i > 0 && s <= steps[i - 1]!))) fail(`--steps ${text}: each step must be a percentage from 1 to 100, rising`);
  if (steps.at(-1) !== 100) fail(`--steps ${text}: the last step must be 100 (all traffic on the new version)`);
  return steps;
}

/** `90s`, `2m`, `1h`: seconds, from 10 s to 24 h. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,5})(s|m|h)$/.exec(text);
  if (!m) fail(`--interval "${text}" is not a duration such as 30s, 2m or 1h`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
  if (seconds < 10 || seconds > 86_400) fail(`--interval ${text}: between 10s and 24h`);
  return seconds;
}

/**
 * `v2=20` words: each a subset (a DNS label, the workloads' `version` label) and a percentage, each subset once.
 * Whether the subsets exist and the weights add up to 100 is for the cluster's view (src/traffic).
 */
export function parseWeights(words: readonly string[]): { ok: true; weights: Record<string, number> } | { ok: false; error: string } {
  const weights: Record<string, number> = {};
  for (const word of words) {
    const m = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)=(\d{1,3})$/.exec(word);
    if (!m) return { ok: false, error: `"${word}" is not a weight: write <subset>=<percent>, e.g. v2=20` };
    const subset = m[1]!;
    const weight = Number(m[3]);
    if (weight > 100) return { ok: false, error: `${subset}=${weight}: a weight is a percentage, at most 100` };
    if (subset in weights) return { ok: false, error: `subset ${subset} is given twice` };
    weights[subset] = weight;
  }
  return { ok: true, weights };
}
