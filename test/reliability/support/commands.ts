// Hostile `/mesh` texts: commands built from the grammar's own words, then mutated (characters inserted,
// deleted, swapped, case-flipped, whitespace and unicode), plus raw random text. Shared by the jest share
// (test/reliability/commands.test.ts) and the full run (scripts/bench/reliability.mjs), with the same seed.
import fc from 'fast-check';
import { formatCommand, parseCommand } from '../../../src/jobs/verbs/command';
import { VERBS } from '../../../src/jobs/verbs';

export const FUZZ_SEED = 20261129;

// Every registered verb and its other names, and the options its usage names: a new verb is fuzzed as it lands.
const VERB_WORDS = [...VERBS.flatMap((v) => [v.name, ...(v.aliases ?? [])]), 'deplyo', 'Deploy', 'rm', ''];
const OPTIONS = [...new Set(VERBS.flatMap((v) => v.usage.match(/(?<![\w-])--?[a-z][-a-z]*/g) ?? []))];
const WORDS = [
  'guestbook', 'shop', 'prod', 'default', 'kube-system', 'a', 'x'.repeat(63), 'y'.repeat(64), 'enable', 'disable', 'status',
  ...OPTIONS, '--namespace', '--namespace=shop', '--apply=true', '-n=shop', '--to=v2', '--', '-', '=', 'a=b', 'v2=20', 'v1=80', '3', '10,50,100', '2m',
  'shop.guestbook.abc123', 'shop..x', '.x', 'x.', 'Guestbook', '0', '-1', 'a-', '-a', 'a--b', 'restart', 'café',
];
const HOSTILE = [
  '"', "'", ';', '|', '&', '$(id)', '`id`', '\n', '\r\n', '\t', '\u00a0', '\u200b', '\u202e', '\ufeff', '\0', '\\', '/', '../..',
  '<@U0ADMIN>', '<!channel>', '*', '_', '~', '%00', '%0a', '😀', '\ud800', 'İ', 'ß', '\u0301', '{', '}', '[', ']', '#', ':',
];

const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9][-a-z0-9.]{0,70}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE) },
);

/** Commands the grammar might accept: a verb and up to six words. */
const grammarShaped = fc
  .tuple(fc.constantFrom(...VERB_WORDS), fc.array(word, { maxLength: 6 }), fc.constantFrom(' ', '  ', '\t', ' \t '))
  .map(([verb, words, gap]) => [verb, ...words].join(gap));

type Mutation = (text: string, position: number, insert: string) => string;
const MUTATIONS: Mutation[] = [
  (t, p, s) => t.slice(0, p) + s + t.slice(p),
  (t, p) => t.slice(0, p) + t.slice(p + 1),
  (t, p, s) => t.slice(0, p) + s + t.slice(p + 1),
  (t, p) => t.slice(0, p) + t.slice(p, p + 8).toUpperCase() + t.slice(p + 8),
  (t, p) => t.slice(0, p) + t.slice(p, p + 5).repeat(3) + t.slice(p + 5),
  (t, p) => t.slice(p) + t.slice(0, p),
];

const mutated = fc
  .tuple(
    grammarShaped,
    fc.array(
      fc.tuple(fc.nat({ max: MUTATIONS.length - 1 }), fc.nat(), fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 3 }))),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([text, edits]) =>
    edits.reduce((t, [m, at, insert]) => MUTATIONS[m]!(t, t.length === 0 ? 0 : at % t.length, insert), text),
  );

const oversized = fc
  .tuple(grammarShaped, fc.integer({ min: 290, max: 12_000 }), fc.constantFrom('x', ' ', '-n shop ', 'é'))
  .map(([text, length, filler]) => (text + ' ' + filler.repeat(length)).slice(0, length));

/** The generator behind the 100,000 (benchmark) and the jest share. */
export const meshText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: grammarShaped },
  { weight: 4, arbitrary: mutated },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: oversized },
);

export interface SlackReply {
  statusCode: number;
  body: string;
}

// How every ephemeral answer of the front door starts: the parse error, a denial, a dispatched or duplicate
// job, or a job that could not start; and the help text, the only multi-line answer.
const CLEAN_ANSWER = /^(:warning: |:no_entry: |:hourglass_flowing_sand: Working on `|:repeat: `|:x: Could not start `)/;
const HELP = /^\*mesh\* — /;
const LOOKS_LIKE_A_CRASH = /\n\s+at |\b(TypeError|ReferenceError|RangeError|SyntaxError)\b|internal error|\[object Object\]/;

/** Undefined when the front door's answer to a signed `/mesh <text>` is one clean ephemeral line, else why not. */
export function uncleanReply(reply: SlackReply): string | undefined {
  if (reply.statusCode !== 200) return `status ${reply.statusCode}: ${reply.body.slice(0, 200)}`;
  let answer: { response_type?: unknown; text?: unknown };
  try {
    answer = JSON.parse(reply.body) as typeof answer;
  } catch {
    return `not JSON: ${reply.body.slice(0, 200)}`;
  }
  if (answer.response_type !== 'ephemeral') return `not ephemeral: ${reply.body.slice(0, 200)}`;
  if (typeof answer.text !== 'string') return 'no text';
  if (HELP.test(answer.text)) return undefined;
  if (answer.text.includes('\n')) return `more than one line: ${JSON.stringify(answer.text.slice(0, 200))}`;
  if (!CLEAN_ANSWER.test(answer.text)) return `unexpected answer: ${answer.text.slice(0, 200)}`;
  if (LOOKS_LIKE_A_CRASH.test(answer.text)) return `looks like a crash: ${answer.text.slice(0, 200)}`;
  return undefined;
}

/**
 * Undefined when the grammar handles `text` as it promises, else why not: it never throws, an error is one line
 * that ends with the usage or names the problem, and an accepted command reads back the same from its canonical text.
 */
export function grammarProblem(text: string): string | undefined {
  let parsed;
  try {
    parsed = parseCommand(text);
  } catch (error) {
    return `threw ${(error as Error).stack ?? String(error)}`;
  }
  if (!parsed.ok) {
    if (parsed.error.includes('\n') || parsed.error.length === 0) return `unclear error ${JSON.stringify(parsed.error)}`;
    return undefined;
  }
  const again = parseCommand(formatCommand(parsed.command));
  if (!again.ok || JSON.stringify(again.command) !== JSON.stringify(parsed.command)) {
    return `canonical text ${JSON.stringify(formatCommand(parsed.command))} does not read back as ${JSON.stringify(parsed.command)}`;
  }
  return undefined;
}
