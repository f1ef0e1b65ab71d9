// Signed API Gateway v2 events into the real BUILT bundle, dist/handlers/slack.js, in its own process.
import { existsSync, readFileSync } from 'node:fs';
import { startBundle, BUNDLE, type BundleProcess } from './helpers/bundle-process';
import { buttonBody, gatewayEvent, signedEvent, slashCommandBody } from './helpers/signing';
import { startFakeStepFunctions, type FakeStepFunctions } from './helpers/fake-stepfunctions';
import { TEST_POLICY } from './helpers/policy';
import { startSlackStandin, type SlackStandin, type StandinEvent } from '../../src/slack/standin';
import { startFakeAws, type FakeAws } from '../aws/fake-aws';

// Spawns processes and servers on a shared, busy machine: generous time, no timing assertions beyond the 3 s ack.
jest.setTimeout(60_000);

const SECRET = 'test-signing-secret';

function reply(r: { result: { body: string } }): { response_type: string; text: string } {
  return JSON.parse(r.result.body) as { response_type: string; text: string };
}

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build (npm test does)`);
});

describe('dist/handlers/slack.js with only SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, no network', () => {
  let bundle: BundleProcess;
  beforeAll(() => {
    bundle = startBundle({ SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test' }, { blockNetwork: true });
  });
  afterAll(() => bundle.close());

  it('answers /mesh help ephemerally', async () => {
    const r = await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text: 'help' })));
    expect(r.result.statusCode).toBe(200);
    expect(reply(r)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('/mesh deploy <app>') });
    expect(r.ms).toBeLessThan(3000);
  });

  it.each([
    ['a typo', 'deplyo guestbook'],
    ['shell metacharacters', 'deploy "guestbook"; rm -rf /'],
    ['10 KB of text', 'x'.repeat(10240)],
    ['a path', 'inject ../../etc/passwd'],
    ['a repository URL (only registered repositories are ever fetched)', 'deploy https://evil.example/team/app.git'],
    ['unicode (base64 body)', 'deploy café'],
  ])('answers malformed input (%s) with a one-line ephemeral error', async (_label, text) => {
      const r = await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text }), { base64: text.includes('é') }));
      expect(r.result.statusCode).toBe(200);
      const body = reply(r);
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toMatch(/^:warning: /);
      expect(body.text).not.toContain('\n');
  });

  it('writes one JSON audit line per command', async () => {
    const before = bundle.logs.length;
    await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text: 'deplyo x', user: 'U0AUDIT' })));
    const lines = bundle.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ type: 'mesh.audit', user: 'U0AUDIT', channel: 'C0CHANNEL', decision: 'invalid', outcome: 'rejected' })]);
    expect(bundle.logs.join('\n')).not.toContain(SECRET);
  });

  it('denies mutating commands by default, still without network', async () => {
    const r = await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text: 'deploy guestbook -n shop' })));
    expect(r.result.statusCode).toBe(200);
    expect(reply(r).text).toMatch(/Denied: you need the "deploy" permission on namespace "shop"/);
  });

  it.each([
    ['forged', () => gatewayEvent(slashCommandBody({ text: 'help' }), { 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': `v0=${'0'.repeat(64)}` })],
    ['signed with another secret', () => signedEvent('not-the-secret', slashCommandBody({ text: 'help' }))],
    ['stale (6 minutes old)', () => signedEvent(SECRET, slashCommandBody({ text: 'help' }), { timestamp: Math.floor(Date.now() / 1000) - 360 })],
    ['missing the signature', () => gatewayEvent(slashCommandBody({ text: 'help' }), {})],
    ['tampered after signing', () => ({ ...signedEvent(SECRET, slashCommandBody({ text: 'help' })), body: slashCommandBody({ text: 'deploy x' }) })],
  ])('rejects a %s request with 401', async (_label, event) => {
    const r = await bundle.invoke(event());
    expect(r.result.statusCode).toBe(401);
  });
});

describe('dispatch through Step Functions (loopback stand-ins for AWS and Slack)', () => {
  let bundle: BundleProcess;
  let sfn: FakeStepFunctions;
  let slack: SlackStandin;
  beforeAll(async () => {
    sfn = await startFakeStepFunctions();
    slack = await startSlackStandin();
    slack.userGroups.S0PLATFORM = ['U0PLATFORM'];
    bundle = startBundle({
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      MESH_POLICY: TEST_POLICY,
      MESH_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:mesh-jobs',
      MESH_AWS_ENDPOINT_URL: sfn.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
  });
  afterAll(async () => {
    await bundle.close();
    await sfn.close();
    await slack.close();
  });

  it('acks a valid deploy in < 3 s after starting the execution, once per request', async () => {
    const event = signedEvent(SECRET, slashCommandBody({ text: 'deploy guestbook -n shop', channel: 'C0OPS' }));
    const r = await bundle.invoke(event);
    expect(r.result.statusCode).toBe(200);
    expect(r.ms).toBeLessThan(3000);
    expect(reply(r).text).toMatch(/Working on `deploy guestbook -n shop` \(job mesh-deploy-[0-9a-f]{20}\)/);
    expect(sfn.started).toHaveLength(1);
    expect(sfn.started[0]!.input.job).toMatchObject({ command: { kind: 'deploy', app: 'guestbook', namespace: 'shop' }, user: 'U0ALICE', channel: 'C0OPS' });
    const again = await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text: 'deploy guestbook  -n shop', channel: 'C0OPS' })));
    expect(reply(again).text).toMatch(/is already running/);
    expect(sfn.started).toHaveLength(1);
  });

  it.each([
    ['ops channel, own namespace', 'deploy guestbook -n shop', 'U0BOB', 'C0OPS', true],
    ['ops channel, other namespace', 'deploy guestbook -n prod', 'U0BOB', 'C0OPS', false],
    ['other channel', 'inject guestbook -n shop --apply', 'U0BOB', 'C0RANDOM', false],
    ['platform group member anywhere', 'autoinject enable prod', 'U0PLATFORM', 'C0RANDOM', true],
    ['stranger toggling autoinject', 'autoinject disable prod', 'U0EVE', 'C0RANDOM', false],
    ['cancel takes the namespace from the rollout id', 'cancel shop.guestbook.abc123', 'U0BOB', 'C0OPS', true],
    ['cancel in another namespace', 'cancel prod.guestbook.abc123', 'U0BOB', 'C0OPS', false],
    ['cancel of an id without namespace needs "*"', 'cancel guestbook-1', 'U0BOB', 'C0OPS', false],
    ['read-only status is open', 'status guestbook -n prod', 'U0EVE', 'C0RANDOM', true],
    ['read-only inject preview is open', 'inject guestbook', 'U0EVE', 'C0RANDOM', true],
  ])('authorization matrix: %s', async (_label, text, user, channel, allowed) => {
    const before = sfn.started.length;
    const r = await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text, user, channel })));
    expect(r.result.statusCode).toBe(200);
    expect(reply(r).response_type).toBe('ephemeral');
    if (allowed) expect(sfn.started.length).toBe(before + 1);
    else {
      expect(reply(r).text).toMatch(/^:no_entry: Denied: you need the "[a-z-]+" permission/);
      expect(sfn.started.length).toBe(before);
    }
  });

  it('sends nothing to Step Functions for rejected signatures', async () => {
    const before = sfn.started.length;
    const r = await bundle.invoke(signedEvent('wrong', slashCommandBody({ text: 'deploy guestbook -n shop', channel: 'C0OPS', user: 'U0NEW' })));
    expect(r.result.statusCode).toBe(401);
    expect(sfn.started.length).toBe(before);
  });

  it('puts buttons through the same authorization', async () => {
    const events: StandinEvent[] = [];
    slack.events.on('event', (e: StandinEvent) => events.push(e));
    const before = sfn.started.length;
    const denied = await bundle.invoke(signedEvent(SECRET, buttonBody({ actionId: 'mesh_restart', value: 'prod', user: 'U0EVE', channel: 'C0RANDOM', responseUrl: slack.responseUrl('C0RANDOM') })));
    expect(denied.result.statusCode).toBe(200);
    expect(sfn.started.length).toBe(before);
    expect(events).toEqual([expect.objectContaining({ type: 'ephemeral', text: expect.stringMatching(/need the "restart" permission on namespace "prod"/) })]);
    const cancel = JSON.stringify({ rolloutId: 'guestbook-1', namespace: 'shop' });
    await bundle.invoke(signedEvent(SECRET, buttonBody({ actionId: 'mesh_cancel', value: cancel, user: 'U0BOB', channel: 'C0OPS', responseUrl: slack.responseUrl('C0OPS') })));
    expect(sfn.started.at(-1)!.input.job).toMatchObject({ command: { kind: 'cancel', rolloutId: 'guestbook-1' }, namespace: 'shop' });
    const forged = await bundle.invoke(signedEvent(SECRET, buttonBody({ actionId: 'mesh_apply', value: 'deploy x; rm -rf /', user: 'U0PLATFORM', channel: 'C0OPS', responseUrl: slack.responseUrl('C0OPS') })));
    expect(forged.result.statusCode).toBe(200);
    expect(events.at(-1)).toMatchObject({ type: 'ephemeral', text: expect.stringMatching(/Apply button carries an invalid command/) });
  });
});

describe('as deployed: secrets from SSM (SLACK_*_PARAM), jobs on Step Functions, both on one signed loopback AWS', () => {
  let bundle: BundleProcess;
  let aws: FakeAws;
  const PARAMS = { '/mesh/dev/slack/signing-secret': SECRET, '/mesh/dev/slack/bot-token': 'xoxb-from-ssm' } as Record<string, string>;
  beforeAll(async () => {
    aws = await startFakeAws();
    aws.reply.set('AmazonSSM.GetParameter', (body) =>
      PARAMS[String(body.Name)] ? { status: 200, json: { Parameter: { Name: body.Name, Type: 'SecureString', Value: PARAMS[String(body.Name)] } } } : { status: 400, json: { __type: 'ParameterNotFound' } });
    aws.reply.set('AWSStepFunctions.StartExecution', (body) => ({ status: 200, json: { executionArn: `arn:aws:states:eu-west-1:123456789012:execution:mesh-jobs:${String(body.name)}` } }));
    bundle = startBundle(
      Object.fromEntries(Object.entries(aws.env({
        SLACK_SIGNING_SECRET_PARAM: '/mesh/dev/slack/signing-secret',
        SLACK_BOT_TOKEN_PARAM: '/mesh/dev/slack/bot-token',
        MESH_POLICY: TEST_POLICY,
        MESH_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:mesh-jobs',
      })).map(([k, v]) => [k, String(v)])),
    );
  });
  afterAll(async () => {
    await bundle.close();
    await aws.close();
  });

  it('reads both secrets once, signed, then verifies, authorizes and starts the job before acking', async () => {
    const r = await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text: 'deploy guestbook -n shop', channel: 'C0OPS' })));
    expect(reply(r).text).toMatch(/Working on `deploy guestbook -n shop`/);
    await bundle.invoke(signedEvent(SECRET, slashCommandBody({ text: 'help' })));
    expect(aws.calls.map((c) => [c.target, c.signatureValid])).toEqual([
      ['AmazonSSM.GetParameter', true],
      ['AmazonSSM.GetParameter', true],
      ['AWSStepFunctions.StartExecution', true],
    ]);
    expect(aws.calls.slice(0, 2).map((c) => c.body).sort((a, b) => String(a.Name).localeCompare(String(b.Name)))).toEqual([
      { Name: '/mesh/dev/slack/bot-token', WithDecryption: true },
      { Name: '/mesh/dev/slack/signing-secret', WithDecryption: true },
    ]);
  });

  it('still refuses a request signed with another secret', async () => {
    const r = await bundle.invoke(signedEvent('not-the-secret', slashCommandBody({ text: 'deploy guestbook -n shop', channel: 'C0OPS' })));
    expect(r.result.statusCode).toBe(401);
    expect(aws.calls.filter((c) => c.target === 'AWSStepFunctions.StartExecution')).toHaveLength(1);
  });
});

describe('bundle contents', () => {
  // The ack path parses, authorizes and dispatches with every verb's grammar half (src/jobs/verbs/<verb>.ts); the
  // same modules' job halves import the engines, which tree shaking must leave out of the Lambda's bundle.
  const ENGINES = [
    '@kubernetes/client-node', 'isomorphic-git', 'src/kube/', 'src/apps/', 'src/rollout/', 'src/traffic/', 'src/autoinject/', 'src/inject/',
    'src/injector/', 'src/jobs/step.ts', 'src/jobs/safe-deploy.ts', 'src/jobs/short-jobs.ts', 'src/jobs/traffic.ts',
  ];
  const isEngine = (input: string) => ENGINES.some((engine) => input.includes(engine));

  it('holds the verbs but neither @kubernetes/client-node, isomorphic-git nor any job engine, not even in the lazily evaluated part', async () => {
    const { build } = await import('esbuild');
    const { lazyBundlePlugin } = (await import('../../scripts/esbuild-lazy-bundle.mjs')) as typeof import('../../scripts/esbuild-lazy-bundle.mjs');
    const lazyInputs: string[] = [];
    const result = await build({
      entryPoints: [require.resolve('../../handlers/slack.ts')],
      bundle: true, platform: 'node', target: 'node22', format: 'cjs', write: false, metafile: true, logLevel: 'silent',
      plugins: [lazyBundlePlugin({ onInputs: (_entry, inputs) => lazyInputs.push(...inputs) })],
    });
    const read = Object.keys(result.metafile.inputs);
    const bundled = [...Object.keys(Object.values(result.metafile.outputs)[0]!.inputs), ...lazyInputs];
    expect(bundled.some((i) => i.includes('@slack/bolt'))).toBe(true);
    expect(bundled).toEqual(expect.arrayContaining(['src/jobs/verbs/deploy.ts', 'src/jobs/verbs/canary.ts', 'src/jobs/verbs/command.ts']));
    // The job halves do import the engines (esbuild reads them); none of it is bundled.
    expect(read).toEqual(expect.arrayContaining(['src/rollout/engine.ts', 'src/jobs/safe-deploy.ts']));
    expect(bundled.filter(isEngine)).toEqual([]);
    const built = readFileSync(BUNDLE, 'utf8');
    // prepareRollout: safe-deploy.ts is imported on use, so its exports keep their names in a minified bundle.
    expect(built).not.toMatch(/kubernetes\/client-node|KubeConfig|prepareRollout/);
  });
});
