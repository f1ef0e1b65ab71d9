// The `/mesh` grammar of every door (Slack handler, front door and buttons, console): text → typed command and
// back, the help text, and what the door decides from a command — each asked of the command's verb (./index.ts).
// Pure: no I/O, nothing is ever run by a shell.
import { checkCharacters, didYouMean, DEFAULT_NAMESPACE, fail, ParseError } from '../../command/grammar';
import type { Permission } from '../../command/permissions';
import { toolsOf } from '../../command/verb';
import { verbOf, VERBS, type MeshCommand } from './index';

export type { MeshCommand } from './index';

export type ParseResult = { ok: true; command: MeshCommand } | { ok: false; error: string };

const VERB_NAMES = VERBS.map((v) => v.name);
const USAGE_LINE = `usage: ${VERBS.filter((v) => v.name !== 'help').map((v) => v.usage).join(' | ')}`;

export function helpText(): string {
  const width = Math.max(...VERBS.map((v) => v.usage.length));
  return [
    '*mesh* — Istio sidecar injection, auto-injection and staged rollouts',
    '```',
    ...VERBS.map((v) => `${v.usage.padEnd(width)}  ${v.summary}`),
    '```',
    `<app> is an app of \`/mesh apps\` or a component of one (a file or workload, e.g. \`helloworld\`; \`<app>.<component>\` when ambiguous).`,
    `The namespace defaults to \`${DEFAULT_NAMESPACE}\`, the cluster to the registry's default. Mutating commands need a grant in the mesh policy.`,
  ].join('\n');
}

function parseWords(words: string[]): MeshCommand {
  const [word, ...rest] = words;
  // An empty text asks for help.
  const verb = word === undefined ? VERBS.find((v) => v.name === 'help') : VERBS.find((v) => v.name === word || v.aliases?.includes(word));
  if (!verb) return fail(`unknown command "${word}"${didYouMean(word!, VERB_NAMES)}; ${USAGE_LINE}`);
  return verb.parse(rest, toolsOf(verb));
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
  return verbOf(command).format(command);
}

export function permissionFor(command: MeshCommand): Permission {
  return verbOf(command).permission(command);
}

/** The namespace a command acts on; undefined when none, or when it cannot be told (a cancel of an id without one). */
export function commandNamespace(command: MeshCommand): string | undefined {
  return verbOf(command).namespace(command);
}

/** Whether a policy rule limited to some apps may grant it (not for commands on a whole namespace). */
export function actsOnApp(command: MeshCommand): boolean {
  return verbOf(command).actsOnApp(command);
}

/** Whether it changes the cluster: in a protected namespace it waits for approval, or is refused. */
export function changesCluster(command: MeshCommand): boolean {
  return verbOf(command).changesCluster(command);
}
