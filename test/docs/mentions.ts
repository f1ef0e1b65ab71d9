// Where docs name a `mesh` command or a `/mesh` verb, and the flags they give it, read from code (fenced blocks
// and inline spans) as a shell would split it: `npx mesh deploy guestbook -n demo --plan`, `mesh autoinject
// enable|disable|status <ns>`, `KUBECONFIG=… mesh kube-inject -f x.yaml`, `/mesh rollback <app> [--to <revision>]`.
// Prose ("the mesh policy") and program output ("mesh kube-inject: injected by …") are not commands.

export interface Mention {
  door: 'cli' | 'slack';
  /** The command (`deploy`) or verb; `a|b` alternatives are separate mentions. */
  command: string;
  /** The first argument when it is a plain word (a sub-command such as `up`, or an app such as `guestbook`). */
  words: string[];
  flags: string[];
}

/** Words that may stand before `mesh` on a command line: environment assignments, npx, a prompt, node. */
const PREFIX = /^(?:[A-Za-z_][A-Za-z0-9_]*=\S*|npx|node|\$|>)$/;
const WORD = /^[a-z][a-z0-9-]*$/;
const FLAG = /^--?[A-Za-z][A-Za-z0-9-]*/;

/**
 * A command line cut where a shell (or a `# comment`) would end the command. Quotes end a `/mesh` command
 * (`printf '/mesh a\\n/mesh b'`, a chat line inside quotes) but not a `mesh` one (`-d text='mesh is here'`).
 */
function segments(code: string, atQuotes: boolean): string[] {
  return code
    .replace(/\\n/g, '\n')
    .split(atQuotes ? /\n|\s#.*$|\s\|\s|&&|\|\||;|\$\(|[()'"]/m : /\n|\s#.*$|\s\|\s|&&|\|\||;|\$\(|[()]/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The flags a token names: `--plan`, `[-n <ns>]` → `-n`, `[--no-istio|--canary]|down` → both flags, `--to=3` → `--to`. */
export function flagsOf(token: string): string[] {
  return token
    .replace(/^[[(]+/, '')
    .split('|')
    .map((part) => FLAG.exec(part.replace(/^[[(]+/, ''))?.[0])
    .filter((flag): flag is string => flag !== undefined);
}

function mentionIn(door: Mention['door'], tokens: string[]): Mention[] {
  const [command, ...args] = tokens;
  if (command === undefined) return [];
  const commands = command.split('|');
  if (!commands.every((c) => WORD.test(c))) return [];
  const first = args[0];
  const words = first !== undefined && first.split('|').every((w) => WORD.test(w)) ? first.split('|') : [];
  const flags = args.flatMap(flagsOf);
  return commands.map((c) => ({ door, command: c, words, flags }));
}

/** The `mesh …` and `/mesh …` commands a line of code names. */
export function mentions(code: string): Mention[] {
  const found: Mention[] = [];
  for (const segment of segments(code, true)) {
    const tokens = segment.split(/\s+/);
    const slash = tokens.indexOf('/mesh');
    if (slash >= 0) found.push(...mentionIn('slack', tokens.slice(slash + 1)));
  }
  for (const segment of segments(code, false)) {
    const tokens = segment.split(/\s+/);
    const cli = tokens.findIndex((t) => t === 'mesh' || t.endsWith('bin/mesh.cjs'));
    if (cli >= 0 && tokens.slice(0, cli).every((t) => PREFIX.test(t))) found.push(...mentionIn('cli', tokens.slice(cli + 1)));
  }
  return found;
}

/** A code span that is a flag on its own (`--plan`, `-n <namespace>`): the flags it names. */
export function standaloneFlags(code: string): string[] {
  const [first] = code.split(/\s+/);
  return first !== undefined && /^\[?--?[A-Za-z]/.test(first) ? flagsOf(first) : [];
}
