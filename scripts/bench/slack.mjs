// Cold acks of the Slack Lambda as deployed: a fresh Node process loads dist/handlers/slack.js and answers one
// signed request, with the secrets read from a loopback SSM (SLACK_*_PARAM, as serverless.yml configures), the
// policy in MESH_POLICY, and jobs started on a loopback Step Functions (MESH_AWS_ENDPOINT_URL). Requests:
// `/mesh deploy`, `/mesh help`, the Apply and Cancel buttons. Each is a ratio to `node -e 0` and to a minimal
// Bolt AwsLambdaReceiver app doing the same work (the same two SSM reads, StartExecution, response_url) with
// plain fetch; all measured in one run, round-robin, on Node 22 (Lambda's nodejs22.x) and on this Node.
// Then the same as AWS runs it: each sample a fresh Lambda sandbox — the Runtime Interface Emulator with the
// official runtime interface client on Node 22 (scripts/lambda-emulator.mjs, test/support/lambda.ts) — timed from
// the invocation to its response (runtime start, init, handler), both apps alike, beside `node -e 0`.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadTs } from '../bench-support/load-ts.mjs';
import { ensureLambdaEmulator } from '../lambda-emulator.mjs';
import { ensureLambdaNode } from '../node22.mjs';

export const name = 'slack: cold acks as deployed (SSM secrets, policy, Step Functions)';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundle = path.join(root, 'dist/handlers/slack.js');
const RUNS = Number(process.env.MESH_BENCH_RUNS ?? 11);
const SIGNING_SECRET = 'bench-signing-secret';
const BOT_TOKEN = 'xoxb-bench-token';
const POLICY = `rules:
  - name: ops
    channels: [C0OPS]
    permissions: [deploy, inject-apply, cancel]
    namespaces: [shop]
`;

function form(fields) {
  return new URLSearchParams(fields).toString();
}

function command(text, responseUrl) {
  return form({ team_id: 'T0TEAM', channel_id: 'C0OPS', user_id: 'U0ALICE', user_name: 'alice', command: '/mesh', text, response_url: responseUrl, trigger_id: '1.2.3' });
}

function button(actionId, value, responseUrl) {
  const payload = {
    type: 'block_actions', team: { id: 'T0TEAM', domain: 'mesh' }, user: { id: 'U0ALICE', username: 'alice', team_id: 'T0TEAM' },
    api_app_id: 'A0MESH', token: 'x', container: { type: 'message', message_ts: '1.1', channel_id: 'C0OPS', is_ephemeral: true },
    trigger_id: '1.2.3', channel: { id: 'C0OPS', name: 'ops' }, response_url: responseUrl,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1.1', text: { type: 'plain_text', text: 'x' } }],
  };
  return form({ payload: JSON.stringify(payload) });
}

/** What each request must leave behind: StartExecutions, SSM reads, response_url posts, and the ack body. */
const REQUESTS = (responseUrl) => ({
  'deploy': { body: command('deploy guestbook -n shop', responseUrl), expect: { states: 1, ssm: 2, responses: 0, ack: /Working on/ } },
  'help': { body: command('help', responseUrl), expect: { states: 0, ssm: 2, responses: 0, ack: /mesh deploy/ } },
  'Apply button': { body: button('mesh_apply', 'inject guestbook -n shop --apply', responseUrl), expect: { states: 1, ssm: 2, responses: 1, ack: /^$/ } },
  'Cancel button': {
    body: button('mesh_cancel', JSON.stringify({ rolloutId: 'shop.guestbook.abc123', namespace: 'shop' }), responseUrl),
    expect: { states: 1, ssm: 2, responses: 1, ack: /^$/ },
  },
});

// Signs with a fresh timestamp, invokes the handler once, checks the ack, exits: a cold start as Lambda sees it.
const DRIVER = `
const ts = Math.floor(Date.now() / 1000);
const body = process.env.BENCH_BODY;
const signature = 'v0=' + require('node:crypto').createHmac('sha256', process.env.BENCH_SIGNING_SECRET).update('v0:' + ts + ':' + body).digest('hex');
const event = { version: '2.0', routeKey: 'POST /slack/events', rawPath: '/slack/events', body, isBase64Encoded: false,
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature },
  requestContext: { http: { method: 'POST', path: '/slack/events' } } };
require(process.env.BENCH_BUNDLE).handler(event, {}).then((r) => {
  if (r.statusCode !== 200 || !new RegExp(process.env.BENCH_ACK).test(r.body)) { process.stderr.write('ack ' + r.statusCode + ' ' + r.body); process.exit(3); }
  process.exit(0);
}, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(4); });
`;

/** Loopback SSM + Step Functions (one endpoint, by X-Amz-Target) and a response_url sink, counting calls. */
async function startLoopbackAws() {
  const counts = { ssm: 0, states: 0, responses: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target === 'AmazonSSM.GetParameter') {
        counts.ssm += 1;
        const value = body.Name.endsWith('signing-secret') ? SIGNING_SECRET : BOT_TOKEN;
        res.end(JSON.stringify({ Parameter: { Name: body.Name, Type: 'SecureString', Value: value, Version: 1 } }));
      } else if (target === 'AWSStepFunctions.StartExecution') {
        counts.states += 1;
        res.end(JSON.stringify({ executionArn: `${body.stateMachineArn.replace(':stateMachine:', ':execution:')}:${body.name}`, startDate: Date.now() / 1000 }));
      } else {
        counts.responses += 1;
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, counts, close: () => new Promise((resolve) => server.close(resolve)) };
}

function environment(aws) {
  return {
    PATH: process.env.PATH,
    SLACK_SIGNING_SECRET_PARAM: '/mesh/bench/slack/signing-secret',
    SLACK_BOT_TOKEN_PARAM: '/mesh/bench/slack/bot-token',
    SLACK_BOT_ID: 'B0MESH',
    SLACK_BOT_USER_ID: 'U0MESH',
    MESH_POLICY: POLICY,
    MESH_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:mesh-bench-jobs',
    MESH_AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-key',
    AWS_SESSION_TOKEN: 'bench-session-token',
  };
}

function timeProcess(node, args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(node, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${path.basename(args.at(-1) ?? '')} exited ${code}: ${stderr.slice(0, 300)}`));
      else resolve(ms);
    });
  });
}

async function minimalBoltBundle(dir) {
  const entry = path.join(dir, 'bolt.ts');
  writeFileSync(entry, `import { App, AwsLambdaReceiver } from '@slack/bolt';
import aws4 from 'aws4';

const endpoint = new URL(process.env.MESH_AWS_ENDPOINT_URL!);
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!, sessionToken: process.env.AWS_SESSION_TOKEN };

async function aws(service: string, target: string, payload: unknown): Promise<any> {
  const body = JSON.stringify(payload);
  const signed = aws4.sign({ host: endpoint.host, path: '/', method: 'POST', service, region: process.env.AWS_REGION,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body }, credentials);
  const { Host, host, 'Content-Length': _length, ...headers } = signed.headers as Record<string, string>;
  const response = await fetch(endpoint, { method: 'POST', headers, body });
  if (!response.ok) throw new Error(target + ' ' + response.status);
  return response.json();
}
const parameter = async (name: string) => (await aws('ssm', 'AmazonSSM.GetParameter', { Name: name, WithDecryption: true })).Parameter.Value as string;
const startJob = (text: string) => aws('states', 'AWSStepFunctions.StartExecution', {
  stateMachineArn: process.env.MESH_STATE_MACHINE_ARN, name: 'job-' + Date.now(), input: JSON.stringify({ text }) });

async function init() {
  const [signingSecret, token] = await Promise.all([parameter(process.env.SLACK_SIGNING_SECRET_PARAM!), parameter(process.env.SLACK_BOT_TOKEN_PARAM!)]);
  const receiver = new AwsLambdaReceiver({ signingSecret });
  const app = new App({ token, botId: process.env.SLACK_BOT_ID, botUserId: process.env.SLACK_BOT_USER_ID, receiver });
  app.command('/mesh', async ({ command, ack }) => {
    if (command.text === 'help') return ack({ response_type: 'ephemeral', text: 'usage: /mesh deploy <app>' });
    await startJob(command.text);
    await ack({ response_type: 'ephemeral', text: 'Working on ' + command.text });
  });
  app.action(/^mesh_/, async ({ ack, action, respond }) => {
    await ack();
    await startJob((action as { value?: string }).value ?? '');
    await respond({ response_type: 'ephemeral', text: 'Working on it', replace_original: false });
  });
  return receiver.toHandler();
}
let ready: ReturnType<typeof init> | undefined;
export const handler = async (event: any, context: any) => (await (ready ??= init()))(event, context);
`);
  const outfile = path.join(dir, 'bolt.js');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, outfile, nodePaths: [path.join(root, 'node_modules')], logLevel: 'error' });
  return outfile;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Every variant once per round, so load changes on the shared machine hit them alike. */
async function measure(node, aws, boltFile, requests) {
  const env = environment(aws);
  const variants = [{ key: 'bare', args: ['-e', '0'] }];
  for (const [label, request] of Object.entries(requests)) {
    for (const [who, file] of [['mesh', bundle], ['bolt', boltFile]]) {
      variants.push({ key: `${who} ${label}`, request, args: ['-e', DRIVER], env: { ...env, BENCH_BUNDLE: file, BENCH_BODY: request.body, BENCH_SIGNING_SECRET: SIGNING_SECRET, BENCH_ACK: request.expect.ack.source } });
    }
  }
  const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (const variant of variants) {
      const before = { ...aws.counts };
      samples[variant.key].push(await timeProcess(node, variant.args, variant.env ?? { PATH: process.env.PATH }));
      if (variant.request) {
        const did = Object.fromEntries(Object.keys(before).map((k) => [k, aws.counts[k] - before[k]]));
        const { ack: _ack, ...expected } = variant.request.expect;
        if (JSON.stringify(did) !== JSON.stringify({ ssm: expected.ssm, states: expected.states, responses: expected.responses })) {
          throw new Error(`${variant.key} did ${JSON.stringify(did)}, expected ${JSON.stringify(expected)}`);
        }
      }
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)]));
}

/** A Lambda task root holding one bundle as `handlers/<name>.js`, like the function's zip. */
function taskRoot(dir, name, bundleFile) {
  const root = path.join(dir, `task-${name}`);
  mkdirSync(path.join(root, 'handlers'), { recursive: true });
  copyFileSync(bundleFile, path.join(root, 'handlers', `${name}.js`));
  return { root, handler: `handlers/${name}.handler` };
}

/** Cold acks under RIE: every sample a new sandbox, its first invocation timed; `node -e 0` in the same rounds. */
async function measureUnderRie(emulator, lambda, aws, apps, requests) {
  const env = environment(aws);
  const fn = (app) => ({
    key: 'slack', name: `mesh-bench-${app.name}`, arn: `arn:aws:lambda:eu-west-1:123456789012:function:mesh-bench-${app.name}`,
    handler: app.handler, runtime: 'nodejs22.x', architectures: ['x86_64'], memorySize: 512, timeout: 10, environment: {}, taskRoot: app.root,
  });
  const variants = [{ key: 'bare' }];
  for (const [label, request] of Object.entries(requests)) {
    for (const app of apps) variants.push({ key: `${app.name} ${label}`, request, app });
  }
  const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (const variant of variants) {
      if (!variant.request) {
        samples.bare.push(await timeProcess(emulator.node, ['-e', '0'], { PATH: process.env.PATH }));
        continue;
      }
      const before = { ...aws.counts };
      const sandbox = await lambda.startSandbox(fn(variant.app), emulator, { env, recordEnvReads: false });
      try {
        const ts = Math.floor(Date.now() / 1000);
        const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${variant.request.body}`).digest('hex')}`;
        const result = await sandbox.invoke(lambda.httpApiEvent(variant.request.body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature }));
        const response = result.payload ?? {};
        if (result.functionError || response.statusCode !== 200 || !variant.request.expect.ack.test(response.body ?? '')) {
          throw new Error(`${variant.key} under RIE: ${result.functionError ? JSON.stringify(result.functionError) : `${response.statusCode} ${response.body}`}`);
        }
        samples[variant.key].push(result.ms);
      } finally {
        await sandbox.close();
      }
      const did = Object.fromEntries(Object.keys(before).map((k) => [k, aws.counts[k] - before[k]]));
      const { ack: _ack, ...expected } = variant.request.expect;
      if (JSON.stringify(did) !== JSON.stringify({ ssm: expected.ssm, states: expected.states, responses: expected.responses })) {
        throw new Error(`${variant.key} under RIE did ${JSON.stringify(did)}, expected ${JSON.stringify(expected)}`);
      }
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)]));
}

const GOALS = {
  deploy: { bare: 2.5, bolt: 0.6 },
  help: { bare: 2.0 },
};

function report(label, results, requests) {
  const bare = results.bare;
  const lines = [`${label}: node -e 0 ${bare.toFixed(0)} ms (median of ${RUNS})`];
  for (const request of Object.keys(requests)) {
    const mesh = results[`mesh ${request}`];
    const bolt = results[`bolt ${request}`];
    const goal = GOALS[request];
    const goals = goal ? ` (goal <= ${goal.bare}x node${goal.bolt ? `, <= ${goal.bolt}x Bolt` : ''}: ${mesh / bare <= goal.bare && (!goal.bolt || mesh / bolt <= goal.bolt) ? 'met' : 'NOT met'})` : '';
    lines.push(`  ${request.padEnd(13)} mesh ${mesh.toFixed(0)} ms = ${(mesh / bare).toFixed(2)}x node -e 0, ${(mesh / bolt).toFixed(2)}x minimal Bolt (${bolt.toFixed(0)} ms = ${(bolt / bare).toFixed(2)}x)${goals}`);
  }
  return lines;
}

export default async function run() {
  if (!existsSync(bundle)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const node22 = ensureLambdaNode();
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-bench-slack-'));
  const aws = await startLoopbackAws();
  try {
    const boltFile = await minimalBoltBundle(dir);
    const requests = REQUESTS(`${aws.url}response`);
    const lines = [];
    for (const [label, node] of [[`Node ${spawnSync(node22, ['--version'], { encoding: 'utf8' }).stdout.trim()} (Lambda nodejs22.x)`, node22], [`Node ${process.version}`, process.execPath]]) {
      lines.push(...report(label, await measure(node, aws, boltFile, requests), requests));
    }
    const emulator = await ensureLambdaEmulator();
    const lambda = await loadTs(dir, 'lambda', `export { startSandbox, httpApiEvent } from './test/support/lambda';`);
    const apps = [{ name: 'mesh', ...taskRoot(dir, 'slack', bundle) }, { name: 'bolt', ...taskRoot(dir, 'bolt', boltFile) }];
    lines.push(...report('Node 22 under RIE (aws-lambda-ric, a new sandbox per sample, invocation to response)', await measureUnderRie(emulator, lambda, aws, apps, requests), requests));
    lines.push(`bundle size: dist/handlers/slack.js ${(statSync(bundle).size / 1024).toFixed(0)} KiB`);
    return lines;
  } finally {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
