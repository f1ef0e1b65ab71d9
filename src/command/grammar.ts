// The one grammar of `/mesh …`: every door (Slack handler, console, buttons) turns text into a typed
// command here, so a word means the same thing everywhere. Pure: no I/O, nothing is ever run by a shell.
import { suggest } from './suggest';
import { isDnsLabel } from '../dns-label';

export type AutoinjectAction = 'enable' | 'disable' | 'status';

/**
 * `app` is a reference: an app name, a component of an app (`helloworld`), or `<app>.<component>` when a
 * component name is ambiguous; src/apps resolves it. `cluster` names a registered cluster (default: the
 * registry's default cluster).
 */
export type MeshCommand =
  | { kind: 'help' }
  | { kind: 'apps' }
  | { kind: 'inject'; app: string; namespace?: string; cluster?: string; commit?: string; apply: boolean }
  | { kind: 'deploy'; app: string; namespace?: string; cluster?: string; commit?: string; inject: boolean; plan?: boolean }
  | { kind: 'status'; app: string; namespace?: string; cluster?: string }
  | { kind: 'history'; app: string; namespace?: string; cluster?: string }
  | { kind: 'rollback'; app: string; namespace?: string; cluster?: string; to?: number; plan?: boolean }
  | { kind: 'shift'; app: string; weights: Record<string, number>; namespace?: string; cluster?: string; plan?: boolean }
  | { kind: 'canary'; app: string; to: string; steps?: number[]; intervalSeconds?: number; namespace?: string; cluster?: string }
  | { kind: 'cancel'; rolloutId: string; cluster?: string }
  | { kind: 'autoinject'; action: AutoinjectAction; namespace: string };

export type ParseResult = { ok: true; command: MeshCommand } | { ok: false; error: string };

export const MAX_TEXT_LENGTH = 300;
export const DEFAULT_NAMESPACE = 'default';

const USAGE: Record<MeshCommand['kind'], string> = {
  help: '/mesh help',
  apps: '/mesh apps',
  inject: '/mesh inject <app> [-n <namespace>] [--cluster <name>] [--commit <sha>] [--apply]',
  deploy: '/mesh deploy <app> [-n <namespace>] [--cluster <name>] [--commit <sha>] [--inject] [--plan]',
  status: '/mesh status <app> [-n <namespace>] [--cluster <name>]',
  history: '/mesh history <app> [-n <namespace>] [--cluster <name>]',
  rollback: '/mesh rollback <app> [-n <namespace>] [--cluster <name>] [--to <revision>] [--plan]',
  shift: '/mesh shift <app>[.<service>] <subset>=<percent>… [-n <namespace>] [--cluster <name>] [--plan]',
  canary: '/mesh canary <app>[.<service>] --to <subset> [--steps 10,25,50,100] [--interval 2m] [-n <namespace>] [--cluster <name>]',
  cancel: '/mesh cancel <rollout-id> [--cluster <name>]',
  autoinject: '/mesh autoinject enable|disable|status <namespace>',
};

const SUMMARY: Record<MeshCommand['kind'], string> = {
  help: 'show this help',
  apps: 'list the apps, where each comes from and what is deployed where',
  inject: 'preview the app with the Istio sidecar injected (--apply applies it)',
  deploy: 'roll the app out stage by stage, with live progress here (--inject adds sidecars, --plan only shows what would change)',
  status: 'show the latest rollout of the app',
  history: 'list the recorded revisions of the app (who, when, commit, outcome, approvals)',
  rollback: 'deploy an earlier revision again (default: the last one that succeeded before the current), deleting what newer ones added',
  shift: "route that share of the Service's traffic to the version's subset (v2=20: 20% to version v2, the rest to the other), undone by rollback",
  canary: 'move traffic to the subset step by step, judging readiness (and the app\'s Prometheus metrics) at each step; a failed gate or Cancel puts all traffic back',
  cancel: 'stop a running rollout after its current step',
  autoinject: 'turn namespace sidecar auto-injection on or off, or show it',
};

const VERBS = Object.keys(USAGE) as MeshCommand['kind'][];
const AUTOINJECT_ACTIONS: AutoinjectAction[] = ['enable', 'disable', 'status'];
const USAGE_LINE = `usage: ${VERBS.filter((v) => v !== 'help').map((v) => USAGE[v]).join(' | ')}`;

export function helpText(): string {
  const width = Math.max(...VERBS.map((v) => USAGE[v].length));
  return [
    '*mesh* — Istio sidecar injection, auto-injection and staged rollouts',
    '```',
    ...VERBS.map((v) => `${USAGE[v].padEnd(width)}  ${SUMMARY[v]}`),
    '```',
    `<app> is an app of \`/mesh apps\` or a component of one (a file or workload, e.g. \`helloworld\`; \`<app>.<component>\` when ambiguous).`,
    `The namespace defaults to \`${DEFAULT_NAMESPACE}\`, the cluster to the registry's default. Mutating commands need a grant in the mesh policy.`,
  ].join('\n');
}

const COMMIT = /^[0-9a-f]{40}$/;
const ROLLOUT_ID = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const ALLOWED_CHAR = /[A-Za-z0-9 \t._=,-]/;

class ParseError extends Error {}

function fail(message: string): never {
  throw new ParseError(message);
}

/** Shows a character safely inside Slack mrkdwn: code points only for the ones Slack interprets. */
function describeChar(ch: string): string {
  const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[!-~]$/.test(ch) && !/[<>&`*_~"\\]/.test(ch) ? `"${ch}" (${code})` : code;
}

function checkCharacters(text: string): void {
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

function didYouMean(word: string, candidates: readonly string[]): string {
  const guess = suggest(word, candidates);
  return guess ? ` — did you mean "${guess}"?` : '';
}

interface Options {
  positionals: string[];
  namespace?: string;
  cluster?: string;
  commit?: string;
  revision?: number;
  flags: Set<string>;
}

/** Splits the words after the verb into positionals, `-n <ns>` and boolean flags known to the verb. */
function readOptions(kind: MeshCommand['kind'], words: string[], booleanFlags: string[], takesNamespace: boolean, takesCluster = false, takesCommit = false, takesRevision = false): Options {
  const options: Options = { positionals: [], flags: new Set() };
  const known = [...booleanFlags, ...(takesNamespace ? ['-n', '--namespace'] : []), ...(takesCluster ? ['--cluster'] : []), ...(takesCommit ? ['--commit'] : []), ...(takesRevision ? ['--to'] : [])];
  for (let i = 0; i < words.length; i += 1) {
    let word = words[i]!;
    let inlineValue: string | undefined;
    if (word.startsWith('--') && word.includes('=')) {
      inlineValue = word.slice(word.indexOf('=') + 1);
      word = word.slice(0, word.indexOf('='));
    }
    if (takesNamespace && (word === '-n' || word === '--namespace')) {
      const value = inlineValue ?? words[++i];
      if (value === undefined || value.startsWith('-')) fail(`${word} needs a namespace; usage: ${USAGE[kind]}`);
      if (options.namespace !== undefined) fail(`the namespace is given twice; usage: ${USAGE[kind]}`);
      options.namespace = validateDnsLabel(value, 'namespace');
    } else if (takesCluster && word === '--cluster') {
      const value = inlineValue ?? words[++i];
      if (value === undefined || value.startsWith('-')) fail(`--cluster needs a cluster name; usage: ${USAGE[kind]}`);
      if (options.cluster !== undefined) fail(`the cluster is given twice; usage: ${USAGE[kind]}`);
      options.cluster = validateDnsLabel(value, 'cluster');
    } else if (takesCommit && word === '--commit') {
      const value = inlineValue ?? words[++i];
      if (value === undefined || !COMMIT.test(value)) fail(`--commit needs a full commit id (40 hex digits); usage: ${USAGE[kind]}`);
      options.commit = value;
    } else if (takesRevision && word === '--to') {
      const value = inlineValue ?? words[++i];
      if (value === undefined || !/^[1-9][0-9]{0,8}$/.test(value)) fail(`--to needs a revision number (see /mesh history); usage: ${USAGE[kind]}`);
      options.revision = Number(value);
    } else if (booleanFlags.includes(word) && inlineValue === undefined) {
      options.flags.add(word);
    } else if (word.startsWith('-')) {
      fail(`"${kind}" has no option "${word}"${didYouMean(word, known)}; usage: ${USAGE[kind]}`);
    } else if (inlineValue === undefined && !word.includes('=')) {
      options.positionals.push(word);
    } else {
      fail(`unexpected "${word}"; usage: ${USAGE[kind]}`);
    }
  }
  return options;
}

function exactlyOne(kind: MeshCommand['kind'], options: Options, what: string): string {
  const [first, ...rest] = options.positionals;
  if (first === undefined) fail(`"${kind}" needs ${what}; usage: ${USAGE[kind]}`);
  if (rest.length > 0) fail(`unexpected "${rest[0]}" after ${what} "${first}"; usage: ${USAGE[kind]}`);
  return first;
}

function where(o: Options): { namespace?: string; cluster?: string } {
  return { ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.cluster ? { cluster: o.cluster } : {}) };
}

function parseWords(words: string[]): MeshCommand {
  const [verb, ...rest] = words;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    if (rest.length > 0 && verb !== undefined) fail(`"help" takes no arguments; usage: ${USAGE.help}`);
    return { kind: 'help' };
  }
  switch (verb) {
    case 'apps': {
      const o = readOptions(verb, rest, [], false);
      if (o.positionals.length > 0) fail(`"apps" takes no arguments; usage: ${USAGE.apps}`);
      return { kind: 'apps' };
    }
    case 'inject': {
      const o = readOptions(verb, rest, ['--apply'], true, true, true);
      const app = validateReference(exactlyOne(verb, o, 'an app name'));
      return { kind: 'inject', app, ...where(o), ...(o.commit ? { commit: o.commit } : {}), apply: o.flags.has('--apply') };
    }
    case 'deploy': {
      const o = readOptions(verb, rest, ['--inject', '--plan'], true, true, true);
      const app = validateReference(exactlyOne(verb, o, 'an app name'));
      return { kind: 'deploy', app, ...where(o), ...(o.commit ? { commit: o.commit } : {}), inject: o.flags.has('--inject'), ...(o.flags.has('--plan') ? { plan: true } : {}) };
    }
    case 'history': {
      const o = readOptions(verb, rest, [], true, true);
      const app = validateDnsLabel(exactlyOne(verb, o, 'an app name'), 'app');
      return { kind: 'history', app, ...where(o) };
    }
    case 'rollback': {
      const o = readOptions(verb, rest, ['--plan'], true, true, false, true);
      const app = validateDnsLabel(exactlyOne(verb, o, 'an app name'), 'app');
      return { kind: 'rollback', app, ...where(o), ...(o.revision !== undefined ? { to: o.revision } : {}), ...(o.flags.has('--plan') ? { plan: true } : {}) };
    }
    case 'status': {
      const o = readOptions(verb, rest, [], true, true);
      const app = validateDnsLabel(exactlyOne(verb, o, 'an app name'), 'app');
      return { kind: 'status', app, ...where(o) };
    }
    case 'shift': {
      const weightWords = rest.filter((w) => WEIGHT_WORD.test(w));
      const o = readOptions(verb, rest.filter((w) => !WEIGHT_WORD.test(w)), ['--plan'], true, true);
      const app = validateReference(exactlyOne(verb, o, 'an app name'));
      if (weightWords.length === 0) fail(`"shift" needs weights, e.g. v2=20; usage: ${USAGE.shift}`);
      const weights = parseWeights(weightWords);
      if (!weights.ok) fail(`${weights.error}; usage: ${USAGE.shift}`);
      return { kind: 'shift', app, weights: weights.weights, ...where(o), ...(o.flags.has('--plan') ? { plan: true } : {}) };
    }
    case 'canary': {
      const { values, others } = takeValueFlags(verb, rest, ['--to', '--steps', '--interval']);
      const o = readOptions(verb, others, [], true, true);
      const app = validateReference(exactlyOne(verb, o, 'an app name'));
      if (values['--to'] === undefined) fail(`"canary" needs --to <subset>, the version to move traffic to; usage: ${USAGE.canary}`);
      const to = validateDnsLabel(values['--to'], 'subset');
      const steps = values['--steps'] === undefined ? undefined : parseSteps(values['--steps']);
      const interval = values['--interval'] === undefined ? undefined : parseDuration(values['--interval']);
      return { kind: 'canary', app, to, ...(steps ? { steps } : {}), ...(interval !== undefined ? { intervalSeconds: interval } : {}), ...where(o) };
    }
    case 'cancel': {
      const o = readOptions(verb, rest, [], false, true);
      const rolloutId = exactlyOne(verb, o, 'a rollout id');
      if (rolloutId.length > 253 || !ROLLOUT_ID.test(rolloutId)) fail(`rollout id "${rolloutId}" is not valid (a-z, 0-9, "-" and ".")`);
      return { kind: 'cancel', rolloutId, ...where(o) };
    }
    case 'autoinject': {
      const [action, ...args] = rest;
      if (action === undefined) fail(`"autoinject" needs enable, disable or status; usage: ${USAGE.autoinject}`);
      if (!(AUTOINJECT_ACTIONS as string[]).includes(action)) {
        fail(`unknown autoinject action "${action}"${didYouMean(action, AUTOINJECT_ACTIONS)}; usage: ${USAGE.autoinject}`);
      }
      const o = readOptions(verb, args, [], true);
      if (o.namespace !== undefined) o.positionals.push(o.namespace);
      const namespace = validateDnsLabel(exactlyOne(verb, o, 'a namespace'), 'namespace');
      return { kind: 'autoinject', action: action as AutoinjectAction, namespace };
    }
    default:
      return fail(`unknown command "${verb}"${didYouMean(verb, VERBS)}; ${USAGE_LINE}`);
  }
}

/** Pulls `--flag value` / `--flag=value` of the named flags out of the words; the rest go to readOptions. */
function takeValueFlags(kind: MeshCommand['kind'], words: string[], names: string[]): { values: Record<string, string>; others: string[] } {
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
    if (value === undefined || value === '' || value.startsWith('-')) fail(`${name} needs a value; usage: ${USAGE[kind]}`);
    if (name in values) fail(`${name} is given twice; usage: ${USAGE[kind]}`);
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

const WEIGHT_WORD = /^[^-][^=]*=[^=]*$/;

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

/** Parses the text after `/mesh`. Errors are one line, name what was wrong and end with the usage. */
export function parseCommand(text: string): ParseResult {
  try {
    checkCharacters(text);
    const words = text.split(/[ \t]+/).filter((w) => w.length > 0);
    return { ok: true, command: parseWords(words) };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, error: error.message };
    throw error;
  }
}

/** The canonical text of a command, e.g. for buttons, audit lines and idempotency keys. */
export function formatCommand(command: MeshCommand): string {
  const cluster = 'cluster' in command && command.cluster ? ` --cluster ${command.cluster}` : '';
  const commit = 'commit' in command && command.commit ? ` --commit ${command.commit}` : '';
  const ns = ('namespace' in command && command.namespace && command.kind !== 'autoinject' ? ` -n ${command.namespace}` : '') + cluster + commit;
  switch (command.kind) {
    case 'help':
      return 'help';
    case 'apps':
      return 'apps';
    case 'inject':
      return `inject ${command.app}${ns}${command.apply ? ' --apply' : ''}`;
    case 'deploy':
      return `deploy ${command.app}${ns}${command.inject ? ' --inject' : ''}${command.plan ? ' --plan' : ''}`;
    case 'history':
      return `history ${command.app}${ns}`;
    case 'rollback':
      return `rollback ${command.app}${ns}${command.to !== undefined ? ` --to ${command.to}` : ''}${command.plan ? ' --plan' : ''}`;
    case 'status':
      return `status ${command.app}${ns}`;
    case 'shift':
      return `shift ${command.app} ${Object.entries(command.weights).map(([s, w]) => `${s}=${w}`).join(' ')}${ns}${command.plan ? ' --plan' : ''}`;
    case 'canary':
      return `canary ${command.app} --to ${command.to}${command.steps ? ` --steps ${command.steps.join(',')}` : ''}${command.intervalSeconds !== undefined ? ` --interval ${command.intervalSeconds}s` : ''}${ns}`;
    case 'cancel':
      return `cancel ${command.rolloutId}${cluster}`;
    case 'autoinject':
      return `autoinject ${command.action} ${command.namespace}`;
  }
}
