// Flag errors of kube-inject, deploy, status and console, in-process through main(): one line on stderr, exit 1, and
// nothing run. Valid flags get past parsing (deploy then stops at "no cluster" in an empty environment).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli';

const home = mkdtempSync(path.join(tmpdir(), 'mesh-args-'));
const run = (argv: string[]) => runCli(argv, { env: { HOME: home, XDG_CACHE_HOME: home, PATH: process.env.PATH }, cwd: home });

async function fails(argv: string[]): Promise<string> {
  const r = await run(argv);
  expect({ code: r.code, stdout: r.stdout, lines: r.stderr.split('\n').length }).toEqual({ code: 1, stdout: '', lines: 2 });
  return r.stderr.trimEnd();
}

describe('mesh kube-inject flags', () => {
  it.each([
    [['-f', 'a.yaml', '--bogus'], 'mesh kube-inject: unknown option "--bogus" (see mesh kube-inject --help)'],
    [['a.yaml'], 'mesh kube-inject: unexpected argument "a.yaml" (see mesh kube-inject --help)'],
    [['-f'], 'mesh kube-inject: option -f, --filename needs a value (see mesh kube-inject --help)'],
    [['-f', 'a.yaml', '--revision'], 'mesh kube-inject: option -r, --revision needs a value (see mesh kube-inject --help)'],
    [
      ['--valuesFile', '--meshConfigFile', 'm.yaml', '-f', 'a.yaml'],
      'mesh kube-inject: option --valuesFile needs a value; to give one that starts with "-", write --valuesFile=<value> (see mesh kube-inject --help)',
    ],
    [[], 'mesh kube-inject: missing -f <file|->: the manifest to inject'],
    [['-f', 'a.yaml', '--native-sidecars=maybe'], 'mesh kube-inject: --native-sidecars must be true, false or auto, not "maybe"'],
  ])('%j', async (argv, message) => {
    expect(await fails(['kube-inject', ...argv])).toBe(message);
  });

  it('accepts short, long and --flag=value forms (the file is then read)', async () => {
    expect(await fails(['kube-inject', '--filename=nope.yaml', '-o', 'out.yaml', '-r', 'canary', '--native-sidecars', 'false'])).toBe(
      'mesh kube-inject: cannot read nope.yaml: ENOENT',
    );
  });
});

describe('mesh deploy flags', () => {
  it.each([
    [['guestbook', '--bogus'], 'mesh deploy: unknown option "--bogus" (see mesh deploy --help)'],
    [['guestbook', 'extra'], 'mesh deploy: unexpected argument "extra" (see mesh deploy --help)'],
    [['guestbook', '-n'], 'mesh deploy: option -n, --namespace needs a value (see mesh deploy --help)'],
    [['guestbook', '-n', ''], 'mesh deploy: option --namespace needs a value (see mesh deploy --help)'],
    [['guestbook', '--inject=yes'], 'mesh deploy: option --inject takes no value (see mesh deploy --help)'],
    [['guestbook', '--timeout', 'soon'], 'mesh deploy: --timeout "soon" is not a duration (e.g. 90s, 5m, 1m30s)'],
    [['guestbook', '-f', 'x.yaml'], 'mesh deploy: give an app name or -f <file-or-dir>, not both'],
    [[], 'mesh deploy: which app? usage: mesh deploy <app> | -f <file-or-dir>'],
    [['-f', 'a', '--filename', 'b'], 'mesh deploy: -f a: no such file or directory'],
  ])('%j', async (argv, message) => {
    expect(await fails(['deploy', ...argv])).toBe(message);
  });

  it('parses every flag and then looks for a cluster', async () => {
    expect(await fails(['deploy', 'guestbook', '-n', 'shop', '--inject', '--timeout', '90s', '--namespace=shop'])).toMatch(
      /^mesh deploy: no cluster: pass --kubeconfig <path>/,
    );
    expect(await fails(['deploy', 'guestbook', '--kubeconfig', 'nope.yaml'])).toBe(`mesh deploy: --kubeconfig ${path.join(home, 'nope.yaml')} does not exist`);
  });
});

describe('mesh status flags', () => {
  it.each([
    [['guestbook', '--bogus'], 'mesh status: unknown option "--bogus" (see mesh status --help)'],
    [['guestbook', 'extra'], 'mesh status: unexpected argument "extra" (see mesh status --help)'],
    [['guestbook', '-n'], 'mesh status: option -n, --namespace needs a value (see mesh status --help)'],
    [['guestbook', '--cluster', ''], 'mesh status: option --cluster needs a value (see mesh status --help)'],
    [['-n', 'shop'], 'mesh status: which app? usage: mesh status <app> [-n <namespace>]'],
  ])('%j', async (argv, message) => {
    expect(await fails(['status', ...argv])).toBe(message);
  });

  it('parses every flag and then looks for the cluster it names', async () => {
    expect(await fails(['status', 'guestbook', '-n', 'shop', '--namespace=shop', '--kubeconfig', 'k.yaml', '--cluster=prod'])).toBe(
      'mesh status: no clusters are registered (built-in), so there is no cluster "prod"; leave out --cluster',
    );
  });
});

describe('mesh history and rollback flags', () => {
  it.each([
    [['history'], 'mesh history: which app? usage: mesh history <app> [-n <namespace>]'],
    [['history', 'Shop'], 'mesh history: which app? usage: mesh history <app> [-n <namespace>]'],
    [['history', 'shop', '--to', '3'], 'mesh history: unknown option "--to" (see mesh history --help)'],
    [['rollback', 'shop', '--to', 'latest'], 'mesh rollback: --to "latest" is not a revision number (see mesh history shop)'],
    [['rollback', 'shop', '--to'], 'mesh rollback: option --to needs a value (see mesh rollback --help)'],
    [['rollback', 'shop', '--plan=yes'], 'mesh rollback: option --plan takes no value (see mesh rollback --help)'],
    [['deploy', 'guestbook', '--plan=yes'], 'mesh deploy: option --plan takes no value (see mesh deploy --help)'],
  ])('%j', async (argv, message) => {
    expect(await fails(argv)).toBe(message);
  });

  it('parses every flag and then looks for a cluster', async () => {
    expect(await fails(['rollback', 'shop', '-n', 'shop', '--to', '2', '--plan'])).toMatch(/^mesh rollback: no cluster: pass --kubeconfig <path>/);
  });
});

describe('mesh console flags', () => {
  it.each([
    [['--bogus'], 'mesh console: unknown option "--bogus" (see mesh console --help)'],
    [['policy.yaml'], 'mesh console: unexpected argument "policy.yaml" (see mesh console --help)'],
    [['--policy'], 'mesh console: option --policy needs a value (see mesh console --help)'],
    [['--policy', ''], 'mesh console: option --policy needs a value (see mesh console --help)'],
    [['--audit=1'], 'mesh console: option --audit takes no value (see mesh console --help)'],
  ])('%j', async (argv, message) => {
    expect(await fails(['console', ...argv])).toBe(message);
  });
});
