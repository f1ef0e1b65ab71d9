// The README and docs/ name only what exists: every `mesh <command>` is a command of the CLI's registry
// (src/cli/commands.ts) and its sub-command and flags are in that command's usage (what `mesh <command> --help`
// prints); every `/mesh <verb>` is a verb of the grammar (src/command/grammar.ts) with its flags; a flag named on
// its own is one of mesh's, or of another program the docs name (FOREIGN_FLAGS); and every relative link resolves
// to a file, and to a heading of it when it names an anchor. Each usage is in turn held to its parser: every flag
// it shows is one the command accepts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { commands, type CliCommand } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { helpText } from '../../src/jobs/verbs/command';
import { codeFragments, docFiles, headingAnchors, relativeLinks } from './markdown';
import { flagsOf, mentions, standaloneFlags, type Mention } from './mentions';

const ROOT = path.resolve(__dirname, '..', '..');
const docs = docFiles(ROOT);

/** Flags of other programs that the docs name on their own, and whose they are. */
const FOREIGN_FLAGS: Record<string, string> = {
  '--set': 'istioctl manifest generate',
  '--selectProjects': 'jest',
  '--unsafe-no-fsync': 'etcd',
  '--disable-admission-plugins': 'kube-apiserver',
  '--controllers': 'kube-controller-manager',
  '--cluster-signing-': 'kube-controller-manager (`--cluster-signing-*`)',
  '-X': 'the Go linker (`-ldflags -X`)',
  '--semi-space-growth-factor': 'V8',
};

interface Option {
  flag: string;
  /** Shown with a value: `--port 15017`, `-n <namespace>`, `[-r|--revision <rev>]`. */
  takesValue: boolean;
}

interface Usage {
  /** Sub-commands (`up`, `install`), empty when the first argument is an operand such as an app. */
  subcommands: string[];
  flags: Set<string>;
  /** The options of each alternative of the usage, by its sub-command ('' when it has none). */
  options: Map<string, Option[]>;
}

function optionsOf(alternative: string): Option[] {
  const tokens = alternative.split(/\s+/);
  return tokens.flatMap((token, i) => {
    const next = tokens[i + 1];
    const takesValue = !token.includes(']') && next !== undefined && !/^[-[|]/.test(next);
    return flagsOf(token).map((flag) => ({ flag, takesValue }));
  });
}

/** Reads a usage line: `mesh cluster up [--no-istio|--canary]|down|status|kubeconfig`, `mesh webhook install … | mesh webhook serve …`. */
function cliUsage(command: CliCommand): Usage {
  const alternatives = command.usage.split(` | mesh ${command.name} `).map((a) => a.replace(new RegExp(`^mesh ${command.name}\\s*`), ''));
  const options = new Map<string, Option[]>();
  const subcommands: string[] = [];
  for (const alternative of alternatives) {
    const head = alternative.replace(/\[[^\]]*\]/g, '').replace(/\s*\|\s*/g, '|').split(/\s+/)[0] ?? '';
    const words = /^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/.test(head) ? head.split('|') : [];
    subcommands.push(...words);
    options.set(words[0] ?? '', optionsOf(alternative));
  }
  return { subcommands, flags: new Set([...options.values()].flat().map((o) => o.flag)), options };
}

/** The grammar's usage lines, `/mesh <verb> …`, from the help `/mesh help` shows. */
function slackUsages(): Map<string, Set<string>> {
  const usages = new Map<string, Set<string>>();
  for (const line of helpText().split('\n')) {
    const verb = /^\/mesh ([a-z]+)/.exec(line)?.[1];
    if (verb) usages.set(verb, new Set(line.split(/\s+/).flatMap(flagsOf)));
  }
  return usages;
}

const cli = new Map(commands.map((c) => [c.name, cliUsage(c)]));
const slack = slackUsages();
const ALWAYS = new Set(['--help', '-h']);

function problemsOf(mention: Mention): string[] {
  if (mention.door === 'slack') {
    const flags = slack.get(mention.command);
    if (!flags) return [`/mesh ${mention.command}: no such verb (verbs: ${[...slack.keys()].join(', ')})`];
    return mention.flags.filter((f) => !flags.has(f) && !ALWAYS.has(f)).map((f) => `/mesh ${mention.command}: no flag ${f}`);
  }
  const usage = cli.get(mention.command);
  if (!usage) return [`mesh ${mention.command}: no such command (commands: ${[...cli.keys()].join(', ')})`];
  const problems = mention.flags.filter((f) => !usage.flags.has(f) && !ALWAYS.has(f)).map((f) => `mesh ${mention.command}: no flag ${f} in its usage`);
  if (usage.subcommands.length > 0) {
    for (const word of mention.words.filter((w) => !usage.subcommands.includes(w))) problems.push(`mesh ${mention.command}: no sub-command ${word}`);
  }
  return problems;
}

/** Every command, verb and flag the docs name, as `file:line: problem` for those that do not exist. */
function namingProblems(files: { file: string; text: string }[]): string[] {
  const known = new Set([...[...cli.values()].flatMap((u) => [...u.flags]), ...[...slack.values()].flatMap((f) => [...f]), ...ALWAYS]);
  return files.flatMap(({ file, text }) =>
    codeFragments(text).flatMap((fragment) => [
      ...mentions(fragment.code).flatMap(problemsOf),
      ...(fragment.inline ? standaloneFlags(fragment.code) : [])
        .filter((flag) => !known.has(flag) && FOREIGN_FLAGS[flag] === undefined)
        .map((flag) => `${flag}: no command of mesh has it (if it is another program's, add it to FOREIGN_FLAGS)`),
    ].map((problem) => `${file}:${fragment.line}: ${problem}`)),
  );
}

function linkProblems(files: { file: string; text: string }[]): string[] {
  return files.flatMap(({ file, text }) =>
    relativeLinks(text).flatMap(({ target, line }) => {
      const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = pathPart === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), decodeURI(pathPart));
      if (!existsSync(resolved)) return [`${file}:${line}: ${target}: no such file`];
      if (anchor === undefined) return [];
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) return [`${file}:${line}: ${target}: an anchor into a file that is not Markdown`];
      return headingAnchors(readFileSync(resolved, 'utf8')).has(anchor) ? [] : [`${file}:${line}: ${target}: no heading with that anchor`];
    }),
  );
}

test('the README and docs/ are read (README, the three guides, architecture, benchmarks)', () => {
  const names = docs.map((d) => d.file);
  expect(names).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/benchmarks.md']));
  for (const guide of ['user-guide', 'operator-guide', 'developer-guide']) expect(names.some((n) => n.startsWith(`docs/${guide}/`))).toBe(true);
  // The docs name commands: a reader that finds none has stopped reading them.
  expect(docs.flatMap((d) => codeFragments(d.text).flatMap((f) => mentions(f.code))).length).toBeGreaterThan(100);
  expect(docs.flatMap((d) => relativeLinks(d.text)).length).toBeGreaterThan(50);
});

test('the README fits on two screens (at most 150 lines)', () => {
  expect(docs.find((d) => d.file === 'README.md')!.text.split('\n').length).toBeLessThanOrEqual(150);
});

test('every mesh command, /mesh verb and flag named in the README and docs/ exists', () => {
  expect(namingProblems(docs)).toEqual([]);
});

test('every relative link in the README and docs/ resolves to a file, and to a heading where it names one', () => {
  expect(linkProblems(docs)).toEqual([]);
});

test('a made-up command, sub-command, verb or flag, and a broken link or anchor, are found', () => {
  const page = {
    file: 'docs/user-guide/made-up.md',
    text: [
      '# Made up',
      '`mesh frobnicate`, `npx mesh deploy guestbook --turbo`, `mesh cluster explode`, `/mesh deploy shop --yolo`, `/mesh reboot prod`',
      'A flag on its own: `--sideways`. Links: [gone](nowhere.md), [anchor](slack.md#no-such-heading), [fine](slack.md#commands).',
      '```sh',
      'KUBECONFIG=x npx mesh kube-inject -f app.yaml --bogus-flag   # a comment --not-checked',
      'curl -d text=\'mesh is here\'; printf \'/mesh help\\n/mesh status x --nope\\n\' | npm start --silent',
      '```',
      'Not commands: the mesh policy, `mesh kube-inject: injected by …`, `(see mesh deploy --help)`.',
    ].join('\n'),
  };
  expect(namingProblems([page])).toEqual([
    'docs/user-guide/made-up.md:2: mesh frobnicate: no such command (commands: kube-inject, cluster, deploy, history, rollback, shift, apps, policy, status, autoinject, webhook, rbac, console)',
    'docs/user-guide/made-up.md:2: mesh deploy: no flag --turbo in its usage',
    'docs/user-guide/made-up.md:2: mesh cluster: no sub-command explode',
    'docs/user-guide/made-up.md:2: /mesh deploy: no flag --yolo',
    `docs/user-guide/made-up.md:2: /mesh reboot: no such verb (verbs: ${[...slack.keys()].join(', ')})`,
    'docs/user-guide/made-up.md:3: --sideways: no command of mesh has it (if it is another program\'s, add it to FOREIGN_FLAGS)',
    'docs/user-guide/made-up.md:5: mesh kube-inject: no flag --bogus-flag in its usage',
    'docs/user-guide/made-up.md:6: /mesh status: no flag --nope',
  ]);
  expect(linkProblems([page])).toEqual([
    'docs/user-guide/made-up.md:3: nowhere.md: no such file',
    'docs/user-guide/made-up.md:3: slack.md#no-such-heading: no heading with that anchor',
  ]);
});

/** Runs `mesh <args>` in-process; its stderr. */
async function stderrOf(args: string[]): Promise<string> {
  let stderr = '';
  const io = { stdout: () => undefined, stderr: (t: string) => void (stderr += t), stdin: new PassThrough(), env: {}, cwd: ROOT, isTTY: false };
  await main(args, io);
  return stderr;
}

// `mesh cluster` reads its few flags by hand (`--no-istio`, `--canary`, `--holder`) and ignores others, so it
// cannot be probed this way without starting a cluster.
const PROBED = commands.filter((c) => c.name !== 'cluster');
const PROBE = '--zz-no-such-option';

test.each(PROBED.map((c) => [c.name, c] as const))('every flag in the usage of mesh %s is one its parser accepts', async (_name, command) => {
  // What each command needs before its options (a sub-command, an operand); the probe must be the first thing its
  // parser refuses, so an option shown with a value gets one.
  const operands: Record<string, string[]> = { autoinject: ['status', 'ns'], deploy: ['guestbook'], history: ['guestbook'], rollback: ['guestbook'], status: ['guestbook'] };
  const refused: string[] = [];
  for (const [subcommand, options] of cliUsage(command).options) {
    for (const { flag, takesValue } of options) {
      const args = [command.name, ...(operands[command.name] ?? (subcommand ? [subcommand] : [])), flag, ...(takesValue ? ['x'] : []), PROBE];
      const stderr = await stderrOf(args);
      if (!stderr.includes(PROBE)) refused.push(`${args.join(' ')} → ${stderr.trim()}`);
    }
  }
  expect(refused).toEqual([]);
});
