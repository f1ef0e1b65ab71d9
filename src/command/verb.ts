// What a `/mesh` verb is to every door: its words (usage, summary, parse, canonical format) and what the door
// decides from the command before any job runs (permission, namespace, whether a rule limited to apps covers it,
// whether it changes the cluster). Each verb defines one (src/jobs/verbs/<verb>.ts); src/jobs/verbs/command.ts
// runs them all. Pure: the Slack ack path loads every spec within its 3 s.
import { exactlyOne, fail, readOptions, takeValueFlags, type Accepts, type Options } from './grammar';
import type { Permission } from './permissions';

/** The grammar toolkit bound to one verb: its errors name the verb and end with its usage. */
export interface VerbTools {
  /** Fails with `<message>; usage: <the verb's usage>`. */
  failWithUsage(message: string): never;
  readOptions(words: string[], accepts: Accepts): Options;
  /** The one positional (`what`: "an app name"). */
  exactlyOne(options: Options, what: string): string;
  /** `--flag value` / `--flag=value` of the named flags, and the other words. */
  takeValueFlags(words: string[], names: string[]): { values: Record<string, string>; others: string[] };
}

export interface VerbSpec<C extends { kind: string }> {
  /** The word after `/mesh`, and the kind of the commands it parses to. */
  name: C['kind'];
  /** Other words for the same verb (help: `--help`, `-h`). */
  aliases?: readonly string[];
  usage: string;
  /** One line of `/mesh help`. */
  summary: string;
  /** The words after the verb → its command; anything else fails with one line (fail, tools.failWithUsage). */
  parse(words: string[], tools: VerbTools): C;
  /** The canonical text (buttons, audit lines, job ids): parse reads it back as the same command. */
  format(command: C): string;
  permission(command: C): Permission;
  /** The namespace the command acts on; undefined when none, or when it cannot be told. */
  namespace(command: C): string | undefined;
  /**
   * Whether a policy rule limited to some apps may grant it: false for a command on every app of a namespace
   * (autoinject) or on an app mesh cannot tell (a cancel whose rollout id names none).
   */
  actsOnApp(command: C): boolean;
  /** Whether it changes the cluster: in a protected namespace it then waits for approval, or is refused. */
  changesCluster(command: C): boolean;
}

export function defineVerb<C extends { kind: string }>(spec: VerbSpec<C>): VerbSpec<C> {
  return spec;
}

export function toolsOf(verb: { name: string; usage: string }): VerbTools {
  return {
    failWithUsage: (message) => fail(`${message}; usage: ${verb.usage}`),
    readOptions: (words, accepts) => readOptions(verb, words, accepts),
    exactlyOne: (options, what) => exactlyOne(verb, options, what),
    takeValueFlags: (words, names) => takeValueFlags(verb, words, names),
  };
}
