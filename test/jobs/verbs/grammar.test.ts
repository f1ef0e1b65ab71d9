// The `/mesh` grammar: every verb's spec (src/jobs/verbs/<verb>.ts) run by the generic parse and format
// (src/jobs/verbs/command.ts) over the toolkit of src/command.
import { actsOnApp, changesCluster, commandNamespace, formatCommand, helpText, parseCommand, permissionFor, type MeshCommand } from '../../../src/jobs/verbs/command';
import { VERBS } from '../../../src/jobs/verbs';

function ok(text: string): MeshCommand {
  const result = parseCommand(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.error}`);
  return result.command;
}

function error(text: string): string {
  const result = parseCommand(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(result.command)}`);
  expect(result.error).not.toContain('\n');
  return result.error;
}

describe('/mesh grammar', () => {
  it.each<[string, MeshCommand]>([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['inject guestbook', { kind: 'inject', app: 'guestbook', apply: false }],
    ['inject guestbook -n shop --apply', { kind: 'inject', app: 'guestbook', namespace: 'shop', apply: true }],
    ['  deploy\tguestbook  ', { kind: 'deploy', app: 'guestbook', inject: false }],
    ['deploy --inject guestbook --namespace=team-a', { kind: 'deploy', app: 'guestbook', namespace: 'team-a', inject: true }],
    ['status helloworld -n default', { kind: 'status', app: 'helloworld', namespace: 'default' }],
    ['cancel guestbook-20261124-ab12', { kind: 'cancel', rolloutId: 'guestbook-20261124-ab12' }],
    ['autoinject enable shop', { kind: 'autoinject', action: 'enable', namespace: 'shop' }],
    ['autoinject status -n shop', { kind: 'autoinject', action: 'status', namespace: 'shop' }],
    ['apps', { kind: 'apps' }],
    ['inject helloworld', { kind: 'inject', app: 'helloworld', apply: false }],
    ['inject guestbook.helloworld --cluster prod', { kind: 'inject', app: 'guestbook.helloworld', cluster: 'prod', apply: false }],
    ['deploy shop -n shop --cluster=staging', { kind: 'deploy', app: 'shop', namespace: 'shop', cluster: 'staging', inject: false }],
    ['status shop --cluster prod', { kind: 'status', app: 'shop', cluster: 'prod' }],
    [`inject shop.web --commit ${'ab'.repeat(20)} --apply`, { kind: 'inject', app: 'shop.web', commit: 'ab'.repeat(20), apply: true }],
  ])('parses %j', (text, command) => {
    expect(ok(text)).toEqual(command);
  });

  it('round-trips through formatCommand', () => {
    for (const text of ['inject guestbook.helloworld -n shop --cluster prod --apply', 'apps', `deploy shop --commit ${'c'.repeat(40)}`, 'deploy guestbook --inject', 'autoinject disable shop', 'cancel r-1']) {
      expect(ok(formatCommand(ok(text)))).toEqual(ok(text));
    }
  });

  it('suggests the closest command and shows the usage for unknown words', () => {
    expect(error('deplyo guestbook')).toMatch(/unknown command "deplyo" — did you mean "deploy"\?; usage: .*\/mesh deploy/);
    expect(error('autoinject enabel shop')).toMatch(/did you mean "enable"/);
    expect(error('deploy guestbook --injct')).toMatch(/no option "--injct" — did you mean "--inject"/);
    expect(error('frobnicate')).toMatch(/^unknown command "frobnicate"; usage:/);
  });

  it('refuses URLs, paths and malformed references: only registered apps are named in chat', () => {
    expect(error('deploy https://evil.example/team/app.git')).toMatch(/unexpected character ":" \(U\+003A\) at column 13: .*nor URLs: name a registered app/);
    expect(error('inject git@evil.example')).toMatch(/unexpected character "@" \(U\+0040\)/);
    expect(error('inject a.b.c')).toMatch(/"a.b.c" is not an app reference/);
    expect(error('inject .hidden')).toMatch(/is not an app reference/);
    expect(error('deploy shop --cluster')).toMatch(/--cluster needs a cluster name/);
    expect(error('deploy shop --cluster Prod')).toMatch(/cluster "Prod" must be lowercase/);
    expect(error('autoinject enable shop --cluster prod')).toMatch(/no option "--cluster"/);
    expect(error('apps shop')).toMatch(/"apps" takes no arguments/);
    expect(error('deploy shop --commit abc123')).toMatch(/--commit needs a full commit id \(40 hex digits\)/);
    expect(error('status shop --commit ' + 'a'.repeat(40))).toMatch(/no option "--commit"/);
  });

  it('names what is missing or extra', () => {
    expect(error('deploy')).toMatch(/"deploy" needs an app name; usage: \/mesh deploy <app>/);
    expect(error('deploy a b')).toMatch(/unexpected "b" after an app name "a"/);
    expect(error('deploy a -n')).toMatch(/-n needs a namespace/);
    expect(error('deploy a -n x -n y')).toMatch(/namespace is given twice/);
    expect(error('autoinject')).toMatch(/needs enable, disable or status/);
    expect(error('help me')).toMatch(/"help" takes no arguments/);
    expect(error('cancel')).toMatch(/needs a rollout id/);
  });

  it('validates names as DNS labels', () => {
    expect(error('deploy Guestbook')).toMatch(/app "Guestbook" must be lowercase/);
    expect(error('deploy guest_book')).toMatch(/not a DNS label/);
    expect(error('deploy -guestbook')).toMatch(/no option "-guestbook"/);
    expect(error('deploy guestbook- ')).toMatch(/not a DNS label/);
    expect(error(`deploy ${'a'.repeat(64)}`)).toMatch(/longer than 63/);
    expect(error('autoinject enable kube..system')).toMatch(/not a DNS label/);
  });

  it.each([
    ['deploy "guestbook"', /unexpected character U\+0022 at column 8/],
    ["deploy 'guestbook'", /U\+0027/],
    ['deploy guestbook; rm -rf /', /unexpected character ";" \(U\+003B\) at column 17/],
    ['deploy $(reboot)', /"\$" \(U\+0024\)/],
    ['deploy `id`', /unexpected character U\+0060/],
    ['deploy guestbook && true', /unexpected character U\+0026/],
    ['deploy <@U123>', /unexpected character U\+003C/],
    ['deploy café', /unexpected character U\+00E9 at column 11/],
    ['deploy 🚀', /unexpected character U\+1F680/],
    ['deploy ../../etc/passwd', /U\+002F.*paths are not accepted/],
    ['inject C:\\apps\\guestbook', /":" \(U\+003A\) at column 9/],
    ['inject apps\\guestbook', /U\+005C at column 12.*paths are not accepted/],
    ['deploy guestbook\nstatus x', /U\+000A/],
    ['deploy\u00a0guestbook', /U\+00A0/],
    ['deploy guestbook\u0000', /U\+0000/],
  ])('rejects hostile text %j', (text, pattern) => {
    expect(error(text)).toMatch(pattern);
  });

  it('rejects 10 KB of text without echoing it', () => {
    const message = error(`deploy ${'a'.repeat(10 * 1024)}`);
    expect(message).toMatch(/too long \(10247 characters; at most 300\)/);
    expect(message.length).toBeLessThan(200);
  });

  it('has a help text listing every verb with its usage and summary', () => {
    for (const verb of VERBS) {
      expect(verb.usage).toMatch(new RegExp(`^/mesh ${verb.name}\\b`));
      expect(helpText().split('\n').filter((line) => line.startsWith(`${verb.usage} `) && line.endsWith(`  ${verb.summary}`))).toHaveLength(1);
    }
    expect(VERBS.map((v) => v.name)).toEqual(['help', 'apps', 'inject', 'deploy', 'status', 'history', 'rollback', 'shift', 'canary', 'cancel', 'autoinject']);
  });

  it.each<[string, string, string | undefined, boolean, boolean]>([
    ['deploy guestbook -n shop', 'deploy', 'shop', true, true],
    ['deploy guestbook --plan', 'plan', 'default', true, false],
    ['inject guestbook', 'inject', 'default', true, false],
    ['inject guestbook --apply', 'inject-apply', 'default', true, true],
    ['rollback guestbook --plan', 'plan', 'default', true, true],
    ['shift helloworld v2=20 --plan', 'plan', 'default', true, false],
    ['canary helloworld --to v2 -n shop', 'canary', 'shop', true, true],
    ['cancel shop.guestbook.abc123', 'cancel', 'shop', true, false],
    ['cancel guestbook-1', 'cancel', undefined, false, false],
    ['autoinject enable shop', 'autoinject', 'shop', false, true],
    ['autoinject status shop', 'autoinject-status', 'shop', false, false],
    ['apps', 'apps', undefined, true, false],
    ['history guestbook', 'history', 'default', true, false],
  ])('%j needs %s on namespace %s (a rule limited to apps covers it: %s; changes the cluster: %s)', (text, permission, namespace, onApp, changes) => {
    const command = ok(text);
    expect([permissionFor(command), commandNamespace(command), actsOnApp(command), changesCluster(command)]).toEqual([permission, namespace, onApp, changes]);
  });

  it('parses shift: an app or <app>.<service>, weights as <subset>=<percent>, and the usual options', () => {
    expect(ok('shift helloworld v2=20')).toEqual({ kind: 'shift', app: 'helloworld', weights: { v2: 20 } });
    expect(ok('shift bookinfo.reviews v3=10 v1=90 -n shop --plan')).toEqual({ kind: 'shift', app: 'bookinfo.reviews', weights: { v3: 10, v1: 90 }, namespace: 'shop', plan: true });
    expect(ok(formatCommand(ok('shift helloworld v2=20 -n shop --cluster prod')))).toEqual(ok('shift helloworld v2=20 -n shop --cluster prod'));
    expect(permissionFor(ok('shift helloworld v2=20'))).toBe('shift');
    expect(permissionFor(ok('shift helloworld v2=20 --plan'))).toBe('plan');
  });

  it('refuses shift without weights or with malformed ones, in one line', () => {
    expect(error('shift helloworld')).toMatch(/^"shift" needs weights, e\.g\. v2=20; usage: \/mesh shift/);
    expect(error('shift helloworld v2=120')).toMatch(/^v2=120: a weight is a percentage, at most 100; usage:/);
    expect(error('shift helloworld v2=20 v2=30')).toMatch(/^subset v2 is given twice/);
    expect(error('shift helloworld V2=20')).toMatch(/^"V2=20" is not a weight: write <subset>=<percent>/);
    expect(error('shift helloworld v2=')).toMatch(/^"v2=" is not a weight/);
    expect(error('shift v2=20')).toMatch(/^"shift" needs an app name/);
  });

  it('parses canary: --to, --steps (rising, ending at 100) and --interval as a duration', () => {
    expect(ok('canary helloworld --to v2')).toEqual({ kind: 'canary', app: 'helloworld', to: 'v2' });
    expect(ok('canary helloworld --to=v2 --steps 10,25,50,100 --interval 2m -n shop')).toEqual({ kind: 'canary', app: 'helloworld', to: 'v2', steps: [10, 25, 50, 100], intervalSeconds: 120, namespace: 'shop' });
    expect(ok(formatCommand(ok('canary helloworld --to v2 --steps 20,100 --interval 30s')))).toEqual(ok('canary helloworld --to v2 --steps 20,100 --interval 30s'));
    expect(permissionFor(ok('canary helloworld --to v2'))).toBe('canary');
  });

  it('refuses a canary without --to, with steps that do not rise to 100, or a bad interval', () => {
    expect(error('canary helloworld')).toMatch(/^"canary" needs --to <subset>/);
    expect(error('canary helloworld --to v2 --steps 50,20,100')).toMatch(/^--steps 50,20,100: each step must be a percentage from 1 to 100, rising/);
    expect(error('canary helloworld --to v2 --steps 10,50')).toMatch(/^--steps 10,50: the last step must be 100/);
    expect(error('canary helloworld --to v2 --interval 2')).toMatch(/^--interval "2" is not a duration such as 30s, 2m or 1h/);
    expect(error('canary helloworld --to v2 --interval 5s')).toMatch(/^--interval 5s: between 10s and 24h/);
    expect(error('canary helloworld --to')).toMatch(/^--to needs a value/);
  });
});
