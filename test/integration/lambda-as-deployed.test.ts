// The mesh functions as AWS runs them (docs/lambda-as-deployed.md): the zips `npm run package` builds, each
// function in the Runtime Interface Emulator with the official runtime interface client on the Lambda's
// Node 22, configured from the CloudFormation template of serverless.yml, with AWS (SSM, Secrets Manager, Step
// Functions running serverless.yml's state machine) and Slack (Web API, response_url) on loopback stand-ins and
// the worker on the local cluster. Node 22 only (aws-lambda-ric and aws-local-stepfunctions need it): `npm test`
// runs this file in its Node 22 pass; a plain `npx jest` on Node 20 leaves it out (jest.config.cjs).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { Button } from '../../src/slack/render/blocks';
import { blocksToText } from '../../src/slack/render/text';
import { startSlackStandin, type SlackStandin, type StandinMessage } from '../../src/slack/standin';
import { signSlackRequest } from '../../src/slack/verify';
import { startGitServer, type GitServer } from '../support/git-server';
import {
  copyFunction, envReadsNotConfigured, functionPool, httpApiEvent, lambdaEmulator, packageDeployment,
  type Deployment, type FunctionPool, type InvokeResult, type LambdaEmulator, type LambdaFunction,
} from '../support/lambda';
import { startLoopbackAws, type LoopbackAws } from '../support/loopback-aws';
import { kubeConfig, kubeconfigPath, READY_DELAY_ANNOTATION, waitUntil, withNamespace } from './setup/cluster';

jest.setTimeout(300_000);

const SIGNING_SECRET = 'as-deployed-signing-secret';
const BOT_TOKEN = 'xoxb-as-deployed';
const GIT_TOKEN = 'as-deployed-git-token';
const SHARED_APPS = path.resolve(__dirname, '../../../shared/apps');
/** Slack's limit for acknowledging a slash command or a button. */
const SLACK_ACK_MS = 3000;

/**
 * Variables the functions read on purpose although serverless.yml does not set them, and why. Anything else a
 * function reads that serverless.yml does not set fails the suite: set it in serverless.yml or say here why not.
 */
const READ_BUT_NOT_SET: Record<string, string> = {
  SLACK_SIGNING_SECRET: 'the secret itself (tests, console); serverless.yml sets SLACK_SIGNING_SECRET_PARAM, read next',
  SLACK_BOT_TOKEN: 'the token itself (tests, console); serverless.yml sets SLACK_BOT_TOKEN_PARAM, read next',
  SLACK_API_URL: "the suite's Slack stand-in; unset, the Web API is slack.com's",
  MESH_AWS_ENDPOINT_URL: "the suite's loopback AWS; unset, each service's regional endpoint",
  MESH_POLICY: 'the policy YAML itself; serverless.yml ships a file instead (MESH_POLICY_FILE, read next)',
  MESH_APPS: 'the registry YAML itself; serverless.yml ships a file instead (MESH_APPS_FILE, read next)',
  MESH_GIT_CACHE_DIR: "where Git checkouts are kept; unset in Lambda, the sandbox's /tmp",
  MESH_STAGE_TIMEOUT_MS: 'a stage timeout other than the engine\'s (default 5 minutes)',
  MESH_HISTORY_LIMIT: 'revisions kept in the history (default 10)',
  // Switches of libraries bundled into the functions, unset on Lambda as they should be.
  DEBUG: 'debug (under client-node and Bolt): which debug namespaces print',
  FORCE_COLOR: 'supports-color (under debug): colours on a terminal',
  NODE_DEBUG: 'util.debuglog in bundled packages: Node-style debug output',
  NO_DEPRECATION: "depd (under Bolt's HTTP stack): silences deprecation warnings",
  TRACE_DEPRECATION: 'depd: stack traces for deprecations',
  LOG_TOKENS: "yaml's parser debugging",
  LOG_STREAM: "yaml's parser debugging",
  UNDICI_NO_WASM_SIMD: 'undici (bundled with Bolt): its HTTP parser without SIMD',
  UNDICI_NO_FG: 'undici: no FinalizationRegistry',
  JEST_WORKER_ID: 'undici: detects a jest test run',
  WS_NO_BUFFER_UTIL: 'ws (under client-node): no native bufferutil',
  WS_NO_UTF_8_VALIDATE: 'ws: no native utf-8-validate',
  IGNORE_TEST_WIN32: 'ignore (under isomorphic-git): a switch of its own tests',
  COMPLIANCE_POLICY: "Istio's own switch, read at cold start as istioctl and istiod read it (src/config.ts) and passed to the injection engine: unset, no compliance policy in the sidecar",
  HOME: 'client-node: where ~/.kube/config would be (the worker names its cluster in the registry instead)',
};

let emulator: LambdaEmulator;
let deployment: Deployment;
let slackApi: SlackStandin;
let git: GitServer;
let aws: LoopbackAws;
let slack: FunctionPool;
let worker: FunctionPool;
const pools: FunctionPool[] = [];

/** A pool for `fn` with the suite's redirections to its stand-ins, closed after the file. */
function pool(fn: LambdaFunction): FunctionPool {
  const created = functionPool(fn, emulator, { env: { SLACK_API_URL: slackApi.apiUrl, MESH_AWS_ENDPOINT_URL: aws.url } });
  pools.push(created);
  return created;
}

/** The app registry an operator packages with the worker (infra/apps.yaml, MESH_APPS_FILE): Git apps, one cluster. */
function registry(): string {
  const kc = kubeConfig();
  return `defaultCluster: prod
clusters:
  prod:
    context: ${kc.getCurrentContext()}
    kubeconfig: ${kubeconfigPath()}
apps:
  helloworld:
    repository: ${git.url}/helloworld.git
    ref: main
    credentials: {secretsManager: mesh/dev/git/helloworld}
    namespaces: ["shop-*", "prod-*"]
  helloworld-slow:
    repository: ${git.url}/helloworld.git
    ref: slow
    credentials: {secretsManager: mesh/dev/git/helloworld}
    namespaces: ["shop-*"]
  helloworld-staggered:
    repository: ${git.url}/helloworld.git
    ref: staggered
    credentials: {secretsManager: mesh/dev/git/helloworld}
    namespaces: ["shop-*"]
`;
}

beforeAll(async () => {
  emulator = lambdaEmulator();
  // As an operator packages it with an app registry (serverless.yml: MESH_APPS_FILE, patterns infra/apps*.yaml).
  deployment = packageDeployment({ MESH_APPS_FILE: 'infra/apps.yaml' });
  slackApi = await startSlackStandin();
  slackApi.userGroups.S0PLATFORM = ['U0ALICE', 'U0BOB'];
  git = await startGitServer({ token: GIT_TOKEN });
  const helloworld = readFileSync(path.join(SHARED_APPS, 'helloworld/helloworld.yaml'), 'utf8');
  const repository = git.createRepository('helloworld');
  repository.commit({ 'helloworld.yaml': helloworld }, 'helloworld as Istio ships it');
  // The same app with pods the fake kubelet makes ready only after 10 minutes: a rollout that stays running.
  const slow = helloworld.replace(/^ {2}template:\n {4}metadata:\n/gm, `$&      annotations: {${READY_DELAY_ANNOTATION}: 600s}\n`);
  if (slow === helloworld) throw new Error('helloworld.yaml changed shape: no pod template to annotate');
  repository.commit({ 'helloworld.yaml': slow }, 'helloworld, slow to become ready', 'slow');
  // v1 ready after 1 s, v2 after 20 s: one stage that stays inside one 60 s worker step while a part is ready.
  const delays = ['1s', '20s'];
  const staggered = helloworld.replace(/^ {2}template:\n {4}metadata:\n/gm, (m) => `${m}      annotations: {${READY_DELAY_ANNOTATION}: ${delays.shift()}}\n`);
  if (delays.length > 0) throw new Error('helloworld.yaml changed shape: not two pod templates');
  repository.commit({ 'helloworld.yaml': staggered }, 'helloworld, v2 slower than v1', 'staggered');
  // The registry names the test's Git server, whose port is known only now: it goes where the package puts it.
  writeFileSync(path.join(deployment.functions.worker!.taskRoot, 'infra/apps.yaml'), registry());
  aws = await startLoopbackAws(deployment.stateMachines, { [deployment.functions.worker!.arn]: (input) => worker.invoke(input) });
  aws.parameters['/mesh/dev/slack/signing-secret'] = SIGNING_SECRET;
  aws.parameters['/mesh/dev/slack/bot-token'] = BOT_TOKEN;
  aws.secrets['mesh/dev/git/helloworld'] = GIT_TOKEN;
  slack = pool(deployment.functions.slack!);
  worker = pool(deployment.functions.worker!);
}, 900_000);

afterEach(() => {
  if (process.env.MESH_DEBUG_AS_DEPLOYED) {
    process.stderr.write(`EXECUTIONS ${JSON.stringify(aws.executions.map((e) => [e.name, e.status, e.states.join(','), e.error]))}\n`);
    process.stderr.write(`MESSAGES\n${slackApi.messages.map((m) => `${m.channel} ${m.threadTs ?? ''} ${text(m).slice(0, 300)}`).join('\n')}\n`);
    process.stderr.write(`CALLS ${slackApi.calls.map((c) => c.method).join(' ')}\n`);
    process.stderr.write(`WORKER\n${worker.output().slice(-60).join('\n')}\n`);
  }
});

afterAll(async () => {
  await aws?.idle();
  await Promise.all(pools.map((p) => p.close()));
  await aws?.close();
  await git?.close();
  await slackApi?.close();
  deployment?.close();
});

interface Ack {
  invoke: InvokeResult;
  statusCode: number;
  text: string;
}

/** Signs `body` as Slack does and sends it through API Gateway's HTTP API event to `fn`. */
async function send(fn: FunctionPool, body: string): Promise<Ack> {
  const ts = Math.floor(Date.now() / 1000);
  const invoke = await fn.invoke(httpApiEvent(body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SIGNING_SECRET, ts, body) }));
  if (invoke.functionError) throw new Error(`${fn.fn.name} failed (${invoke.functionError.errorType}): ${invoke.functionError.errorMessage}`);
  const response = invoke.payload as { statusCode: number; body?: string };
  let text = response.body ?? '';
  try {
    text = (JSON.parse(text) as { text?: string }).text ?? '';
  } catch {
    // Bolt acks a button with an empty body
  }
  return { invoke, statusCode: response.statusCode, text };
}

function command(text: string, who: { user?: string; channel?: string } = {}, fn = slack): Promise<Ack> {
  const channel = who.channel ?? 'C0SHOPOPS';
  return send(fn, new URLSearchParams({
    token: 'deprecated-verification-token', team_id: 'T0TEAM', team_domain: 'mesh', channel_id: channel, channel_name: 'ops',
    user_id: who.user ?? 'U0ALICE', user_name: 'alice', command: '/mesh', text, api_app_id: 'A0MESH',
    response_url: slackApi.responseUrl(channel), trigger_id: `${Date.now()}.1.2`,
  }).toString());
}

/** The newest message in `channel` with a button labelled `label`. */
function findButton(channel: string, label: string): { button: Button; message: StandinMessage } {
  for (const message of [...slackApi.messages].reverse().filter((m) => m.channel === channel)) {
    for (const block of message.blocks ?? []) {
      const button = block.type === 'actions' ? block.elements.find((b) => b.text.text === label) : undefined;
      if (button) return { button, message };
    }
  }
  throw new Error(`no "${label}" button in ${channel}`);
}

/** Presses a button as Slack sends it: a signed block_actions payload with the message's response_url. */
function press(label: string, who: { user?: string; channel?: string } = {}): Promise<Ack> {
  const channel = who.channel ?? 'C0SHOPOPS';
  const user = who.user ?? 'U0ALICE';
  const { button, message } = findButton(channel, label);
  const payload = {
    type: 'block_actions', team: { id: 'T0TEAM', domain: 'mesh' }, user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0MESH', token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.1.2`, channel: { id: channel, name: 'ops' },
    message: { type: 'message', ts: message.ts, text: message.text },
    response_url: slackApi.responseUrl(channel),
    actions: [{ ...button, block_id: 'actions', action_ts: String(Date.now() / 1000) }],
  };
  return send(slack, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

const text = (m: StandinMessage) => blocksToText(m.blocks, m.text);
const parentsIn = (channel: string, pattern: RegExp) => slackApi.messages.filter((m) => m.channel === channel && !m.threadTs && pattern.test(text(m)));
const threadOf = (parent: StandinMessage) => slackApi.messages.filter((m) => m.threadTs === parent.ts).map(text).join('\n');

async function readyDeployments(namespace: string): Promise<Record<string, number>> {
  const list = await kubeConfig().makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace });
  return Object.fromEntries(list.items.map((d) => [d.metadata!.name!, d.status?.readyReplicas ?? 0]));
}

describe('the package, as CloudFormation will create it', () => {
  it('has both functions on nodejs22.x with their serverless.yml handlers, and one state machine that invokes the worker', () => {
    const { slack: slackFn, worker: workerFn } = deployment.functions;
    expect(slackFn).toMatchObject({ handler: 'handlers/slack.handler', runtime: 'nodejs22.x', memorySize: 512, timeout: 10 });
    expect(workerFn).toMatchObject({ handler: 'handlers/worker.handler', runtime: 'nodejs22.x', memorySize: 1024, timeout: 300 });
    expect(slackFn!.environment.MESH_STATE_MACHINE_ARN).toBe(deployment.stateMachines[0]!.arn);
    expect(JSON.stringify(deployment.stateMachines[0]!.definition)).toContain(workerFn!.arn);
  });
});

describe('/mesh deploy helloworld, as deployed', () => {
  const ns = withNamespace('shop');

  it('acks within 3 s from a cold start, then Step Functions drives the worker to a finished rollout reported in Slack', async () => {
    const ack = await command(`deploy helloworld -n ${ns.name}`);
    expect(ack.invoke.cold).toBe(true);
    expect(ack.invoke.ms).toBeLessThan(SLACK_ACK_MS);
    expect(ack.statusCode).toBe(200);
    expect(ack.text).toMatch(new RegExp(`Working on \`deploy helloworld -n ${ns.name}\` \\(job mesh-deploy-[0-9a-f]+\\)`));
    expect(aws.executions).toHaveLength(1);

    await aws.idle();
    const execution = aws.executions[0]!;
    expect(execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(execution.states[0]).toBe('Step');
    expect(execution.states.at(-1)).toBe('Done');
    // One sandbox per function, reused warm for every step, as Lambda reuses a sandbox between invocations.
    expect([slack.sandboxes.length, worker.sandboxes.length]).toEqual([1, 1]);

    const [parent, ...others] = parentsIn('C0SHOPOPS', new RegExp(`Rollout of \\*helloworld\\* to \`${ns.name}\``));
    expect(others).toEqual([]);
    expect(text(parent!)).toContain(':white_check_mark: succeeded');
    expect(text(parent!)).toContain(ns.name);
    expect(threadOf(parent!)).toMatch(/helloworld-v1/);
    expect(await readyDeployments(ns.name)).toEqual({ 'helloworld-v1': 1, 'helloworld-v2': 1 });
    // The signed AWS calls the two functions made: the Slack secrets from SSM (both functions), the job, the
    // Git token from Secrets Manager (the worker).
    expect(aws.fake.calls.every((c) => c.signatureValid)).toBe(true);
    expect(new Set(aws.fake.calls.map((c) => c.target))).toEqual(new Set(['AmazonSSM.GetParameter', 'AWSStepFunctions.StartExecution', 'secretsmanager.GetSecretValue']));
    expect(aws.fake.calls.filter((c) => c.target === 'AmazonSSM.GetParameter').map((c) => c.body.Name).sort()).toEqual([
      '/mesh/dev/slack/bot-token', '/mesh/dev/slack/bot-token', '/mesh/dev/slack/signing-secret', '/mesh/dev/slack/signing-secret',
    ]);
    expect(aws.fake.calls.filter((c) => c.target === 'secretsmanager.GetSecretValue').map((c) => c.body.SecretId)).toContain('mesh/dev/git/helloworld');
    // The runtime client logged no error for either function (it prints `ERROR` lines for what a handler throws).
    expect([...slack.output(), ...worker.output()].filter((line) => /\tERROR\t|Runtime\.[A-Z]/.test(line))).toEqual([]);
  });
});

describe('progress while a worker step waits', () => {
  const ns = withNamespace('shop');

  it('reaches the channel as it happens, not when the 60 s step returns: v1 ready is posted long before v2', async () => {
    await command(`deploy helloworld-staggered -n ${ns.name}`);
    await aws.idle();
    const [parent] = parentsIn('C0SHOPOPS', new RegExp(`Rollout of \\*helloworld-staggered\\* to \`${ns.name}\``));
    expect(text(parent!)).toContain(':white_check_mark: succeeded');
    const posted = (object: string) => slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.args.thread_ts === parent!.ts
      && blocksToText(c.args.blocks as never, String(c.args.text ?? '')).includes(`\`deployment/${object}\` ready`));
    const v1 = posted('helloworld-v1');
    const v2 = posted('helloworld-v2');
    expect(v1).toBeDefined();
    expect(v2).toBeDefined();
    // Before live delivery both lines went out together when the step returned, about 20 s after the apply.
    expect(v2!.at - v1!.at).toBeGreaterThan(10_000);
  });
});

describe('buttons, through the same path', () => {
  const applyNs = withNamespace('shop');
  const cancelNs = withNamespace('shop');
  const protectedNs = withNamespace('prod');

  it('Apply on an inject preview rolls the injected app out', async () => {
    const before = aws.executions.length;
    expect((await command(`inject helloworld -n ${applyNs.name}`)).text).toMatch(/Working on `inject helloworld/);
    await aws.idle();
    const ack = await press('Apply');
    expect(ack.statusCode).toBe(200);
    expect(ack.invoke.ms).toBeLessThan(SLACK_ACK_MS);
    await aws.idle();
    expect(aws.executions.slice(before).map((e) => [e.input.job.text, e.status])).toEqual([
      [`inject helloworld -n ${applyNs.name}`, 'SUCCEEDED'],
      [expect.stringMatching(new RegExp(`^inject helloworld -n ${applyNs.name} --cluster prod --commit [0-9a-f]{40} --apply$`)), 'SUCCEEDED'],
    ]);
    const [parent] = parentsIn('C0SHOPOPS', new RegExp(`Rollout of \\*helloworld\\* to \`${applyNs.name}\``));
    expect(text(parent!)).toContain(':white_check_mark: succeeded');
    expect(await readyDeployments(applyNs.name)).toEqual({ 'helloworld-v1': 1, 'helloworld-v2': 1 });
    // Injected as the preview showed: every pod runs the sidecar.
    const pods = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: applyNs.name });
    for (const pod of pods.items) expect([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name)).toContain('istio-proxy');
  });

  it('Cancel on a running rollout stops it at the next worker step; both executions end', async () => {
    const before = aws.executions.length;
    await command(`deploy helloworld-slow -n ${cancelNs.name}`);
    // The parent shows the rollout running, with Cancel, once the worker has applied its first stage.
    await waitUntil('a Cancel button on the running rollout', async () => {
      try {
        return text(findButton('C0SHOPOPS', 'Cancel').message).includes(cancelNs.name);
      } catch {
        return false;
      }
    }, 180_000);
    const ack = await press('Cancel');
    expect(ack.statusCode).toBe(200);
    expect(ack.invoke.ms).toBeLessThan(SLACK_ACK_MS);
    await aws.idle();
    const [deploy, cancel] = aws.executions.slice(before);
    expect(cancel).toMatchObject({ status: 'SUCCEEDED', input: { job: { command: { kind: 'cancel' } } } });
    expect(deploy).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'cancelled' } });
    // The cancel job ran in a second worker sandbox while the deploy's step held the first, as Lambda scales out.
    expect(worker.sandboxes.length).toBeGreaterThanOrEqual(2);
    const [parent] = parentsIn('C0SHOPOPS', new RegExp(`Rollout of \\*helloworld-slow\\* to \`${cancelNs.name}\``));
    expect(text(parent!)).toContain(':no_entry_sign: cancelled');
  });

  it('Approve by a second person starts a protected deploy the policy held for approval', async () => {
    const before = aws.executions.length;
    await command(`deploy helloworld -n ${protectedNs.name}`, { channel: 'C0PLATFORM' });
    await aws.idle();
    const [plan] = parentsIn('C0PLATFORM', new RegExp(`Plan — Deploy of \\*helloworld\\* to \`${protectedNs.name}\``));
    expect(text(plan!)).toMatch(/Waiting for approval/);
    expect(await readyDeployments(protectedNs.name)).toEqual({});
    const ack = await press('Approve', { user: 'U0BOB', channel: 'C0PLATFORM' });
    expect(ack.statusCode).toBe(200);
    expect(ack.invoke.ms).toBeLessThan(SLACK_ACK_MS);
    await aws.idle();
    expect(aws.executions.slice(before).every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(await readyDeployments(protectedNs.name)).toEqual({ 'helloworld-v1': 1, 'helloworld-v2': 1 });
    const rollout = parentsIn('C0PLATFORM', new RegExp(`Rollout of \\*helloworld\\* to \`${protectedNs.name}\``));
    expect(rollout.map(text).join('\n')).toContain(':white_check_mark: succeeded');
  });
});

describe('the environment serverless.yml gives each function', () => {
  it('sets every variable the functions read (the others are listed, with their reasons, in READ_BUT_NOT_SET)', () => {
    expect(slack.envReads()).toContain('MESH_STATE_MACHINE_ARN');
    expect(worker.envReads()).toContain('MESH_APPS_FILE');
    expect({ slack: envReadsNotConfigured(slack.fn, slack.envReads(), READ_BUT_NOT_SET) }).toEqual({ slack: [] });
    expect({ worker: envReadsNotConfigured(worker.fn, worker.envReads(), READ_BUT_NOT_SET) }).toEqual({ worker: [] });
  });
});

describe('what this suite catches (each broken on purpose, on a copy of the package)', () => {
  const help = (fn: LambdaFunction) => command('help', {}, pool(fn));

  it('a bundle that fails to load: a dependency left out of the zip', async () => {
    const broken = copyFunction(deployment.functions.slack!, (copy) => {
      const bundle = path.join(copy.taskRoot, 'handlers/slack.js');
      writeFileSync(bundle, `require('@slack/bolt');\n${readFileSync(bundle, 'utf8')}`);
    });
    await expect(help(broken)).rejects.toThrow(/mesh-dev-slack failed \(Runtime\.ImportModuleError\): Error: Cannot find module '@slack\/bolt'/);
  });

  it('a handler name that drifted from serverless.yml', async () => {
    const drifted = copyFunction(deployment.functions.slack!, (copy) => {
      copy.handler = 'handlers/slack.main';
    });
    await expect(help(drifted)).rejects.toThrow(/mesh-dev-slack failed \(Runtime\.HandlerNotFound\): handlers\/slack\.main is undefined or not exported/);
  });

  it('a variable the code reads but serverless.yml does not set', async () => {
    const unset = copyFunction(deployment.functions.slack!, (copy) => {
      delete copy.environment.MESH_STATE_MACHINE_ARN;
    });
    const unsetPool = pool(unset);
    const ack = await command('deploy helloworld -n shop-unset', {}, unsetPool);
    expect(ack.text).toMatch(/no job runner is configured \(set MESH_STATE_MACHINE_ARN\)/);
    expect(envReadsNotConfigured(unset, unsetPool.envReads(), READ_BUT_NOT_SET)).toEqual(['MESH_STATE_MACHINE_ARN']);

    const reading = copyFunction(deployment.functions.slack!, (copy) => {
      const bundle = path.join(copy.taskRoot, 'handlers/slack.js');
      writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}\nconst meshFeature = process.env.MESH_NEW_FEATURE;\n`);
    });
    const readingPool = pool(reading);
    await command('help', {}, readingPool);
    expect(envReadsNotConfigured(reading, readingPool.envReads(), READ_BUT_NOT_SET)).toEqual(['MESH_NEW_FEATURE']);
  });
});
