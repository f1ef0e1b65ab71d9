/**
 * The mesh Lambda functions as deployed (docs/lambda-as-deployed.md): `osls package` (what `npm run package` zips),
 * each function's zip unpacked as its task root and configured from the CloudFormation template the package
 * step generates (handler, memory, timeout, environment), run by the AWS Lambda Runtime Interface Emulator with
 * the official Node runtime interface client on the Lambda's Node 22 (scripts/lambda-emulator.mjs builds both
 * into the mesh cache).
 *
 *   const emulator = lambdaEmulator();                     // { node, rie, ric }, built on first use
 *   const deployment = packageDeployment();                // osls package, unpacked, template read
 *   const slack = functionPool(deployment.functions.slack!, emulator, { env: { MESH_AWS_ENDPOINT_URL: … } });
 *   const r = await slack.invoke(httpApiEvent(body, headers));   // { status, payload, functionError?, ms, cold }
 *   envReadsNotConfigured(deployment.functions.slack!, slack.envReads(), DECLARED)  // read but never set
 *
 * One RIE serves one invocation at a time, as one Lambda sandbox does: a pool starts another sandbox (a cold
 * start) when every sandbox it has is busy, as Lambda scales out, and drops a sandbox whose runtime crashed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { unzipSync } from 'fflate';
import { freePorts, sleep } from '../../src/cluster/process';
import type { JsonObject } from '../../src/json-object';
import { TEST_CREDENTIALS, TEST_REGION } from '../aws/fake-aws';

const ROOT = path.resolve(__dirname, '../..');
// From the test tree, or from the project root when a benchmark bundles this file elsewhere.
const ENV_READS_PRELOAD = [path.join(__dirname, 'lambda-env-reads.cjs'), path.resolve('test/support/lambda-env-reads.cjs')].find((f) => existsSync(f))!;
/** The account CloudFormation's `AWS::AccountId` stands for in the suite's ARNs. */
export const ACCOUNT_ID = '123456789012';

export interface LambdaEmulator {
  /** The Lambda's Node 22 (scripts/node22.mjs). */
  node: string;
  /** aws-lambda-rie, built from its Go module. */
  rie: string;
  /** aws-lambda-ric's entry point (index.mjs), with its native addon built for that Node. */
  ric: string;
}

/** Node 22, RIE and aws-lambda-ric from the mesh cache, built or installed there first when missing. */
export function lambdaEmulator(): LambdaEmulator {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts/lambda-emulator.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`scripts/lambda-emulator.mjs failed (exit ${result.status}): the Lambda emulator could not be built`);
  return JSON.parse(result.stdout) as LambdaEmulator;
}

export interface LambdaFunction {
  /** The function's key in serverless.yml (`slack`, `worker`), also its zip's name. */
  key: string;
  /** FunctionName (`mesh-dev-slack`). */
  name: string;
  arn: string;
  /** `<file>.<export>`, relative to the task root, as serverless.yml's `handler`. */
  handler: string;
  runtime: string;
  architectures: string[];
  memorySize: number;
  timeout: number;
  /** The function's environment as CloudFormation would set it (references resolved to the suite's ARNs). */
  environment: Record<string, string>;
  /** The unpacked zip: Lambda's /var/task. */
  taskRoot: string;
}

export interface StateMachineResource {
  name: string;
  arn: string;
  /** The ASL definition with the template's substitutions (the worker's ARN) resolved. */
  definition: JsonObject;
}

export interface Deployment {
  dir: string;
  template: JsonObject;
  functions: Record<string, LambdaFunction>;
  stateMachines: StateMachineResource[];
  close(): void;
}

/** What CloudFormation would make of a reference in the template, for the resources the suite stands in for. */
function resolver(resources: JsonObject): (value: unknown, where: string) => string {
  const arnOf = (id: string, where: string): string => {
    const resource = resources[id] as JsonObject | undefined;
    if (resource?.Type === 'AWS::Lambda::Function') return `arn:aws:lambda:${TEST_REGION}:${ACCOUNT_ID}:function:${resource.Properties.FunctionName}`;
    if (resource?.Type === 'AWS::StepFunctions::StateMachine') return `arn:aws:states:${TEST_REGION}:${ACCOUNT_ID}:stateMachine:${resource.Properties.StateMachineName}`;
    throw new Error(`${where}: the suite cannot resolve a reference to ${id} (${String(resource?.Type ?? 'no such resource')})`);
  };
  return (value, where) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const object = (value ?? {}) as JsonObject;
    if (typeof object.Ref === 'string') {
      if (object.Ref === 'AWS::Region') return TEST_REGION;
      if (object.Ref === 'AWS::AccountId') return ACCOUNT_ID;
      return arnOf(object.Ref, where);
    }
    const getAtt = object['Fn::GetAtt'] as string[] | undefined;
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn') return arnOf(getAtt[0]!, where);
    throw new Error(`${where}: the suite cannot resolve ${JSON.stringify(value)}`);
  };
}

/** Reads functions and state machines from a CloudFormation template whose zips are unpacked under `dir`. */
export function readDeployment(dir: string, template: JsonObject): Omit<Deployment, 'close'> {
  const resources = template.Resources as JsonObject;
  const resolve = resolver(resources);
  const functions: Record<string, LambdaFunction> = {};
  const stateMachines: StateMachineResource[] = [];
  for (const [id, resource] of Object.entries(resources) as [string, JsonObject][]) {
    const p = resource.Properties as JsonObject;
    if (resource.Type === 'AWS::Lambda::Function') {
      const key = path.basename(String(p.Code.S3Key), '.zip');
      functions[key] = {
        key,
        name: p.FunctionName,
        arn: resolve({ 'Fn::GetAtt': [id, 'Arn'] }, id),
        handler: p.Handler,
        runtime: p.Runtime,
        architectures: p.Architectures ?? ['x86_64'],
        memorySize: p.MemorySize ?? 128,
        timeout: p.Timeout ?? 3,
        environment: Object.fromEntries(Object.entries((p.Environment?.Variables ?? {}) as JsonObject).map(([name, value]) => [name, resolve(value, `${id} ${name}`)])),
        taskRoot: path.join(dir, key),
      };
    }
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const [text, vars] = p.DefinitionString['Fn::Sub'] as [string, JsonObject];
      const definition = JSON.parse(text.replace(/\$\{([^}]+)\}/g, (_, name: string) => resolve(vars[name] ?? { Ref: name }, `${id} \${${name}}`))) as JsonObject;
      stateMachines.push({ name: p.StateMachineName, arn: resolve({ Ref: id }, id), definition });
    }
  }
  return { dir, template, functions, stateMachines };
}

/**
 * `osls package` into a fresh directory with no AWS credentials and no network (as `npm run package`), every
 * function's zip unpacked as its task root. `env` is the packaging environment (serverless.yml's `${env:…}`).
 */
export function packageDeployment(env: Record<string, string> = {}): Deployment {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-as-deployed-'));
  const out = path.join(dir, 'package');
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--package', out], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: home, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status !== 0) throw new Error(`osls package failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  const template = JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as JsonObject;
  const deployment = readDeployment(path.join(dir, 'functions'), template);
  for (const fn of Object.values(deployment.functions)) {
    const files = unzipSync(readFileSync(path.join(out, `${fn.key}.zip`)), { filter: (entry) => !entry.name.endsWith('/') });
    for (const [file, data] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(fn.taskRoot, file)), { recursive: true });
      writeFileSync(path.join(fn.taskRoot, file), data);
    }
  }
  return { ...deployment, close: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A copy of a function with its own copy of the task root, for tests that break a bundle or its configuration
 * on purpose; `edit` changes the copy (the files under `copy.taskRoot`, `copy.handler`, `copy.environment`).
 */
export function copyFunction(fn: LambdaFunction, edit: (copy: LambdaFunction) => void): LambdaFunction {
  const taskRoot = mkdtempSync(path.join(os.tmpdir(), `mesh-as-deployed-${fn.key}-copy-`));
  cpSync(fn.taskRoot, taskRoot, { recursive: true });
  const copy: LambdaFunction = { ...fn, environment: { ...fn.environment }, architectures: [...fn.architectures], taskRoot };
  edit(copy);
  return copy;
}

/**
 * What the Lambda service defines for every nodejs22.x function (AWS's "defined runtime environment variables"),
 * besides the function's own environment: region, the execution role's credentials (the suite's test
 * credentials, which the loopback AWS checks signatures with), the function's name, memory and log names, the
 * task root. RIE adds `_HANDLER` and `AWS_LAMBDA_RUNTIME_API`; `AWS_LAMBDA_FUNCTION_TIMEOUT` is RIE's own knob.
 */
export function lambdaDefinedEnvironment(fn: LambdaFunction, emulator: LambdaEmulator): Record<string, string> {
  return {
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeout),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/06/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken!,
    LAMBDA_TASK_ROOT: fn.taskRoot,
    LAMBDA_RUNTIME_DIR: path.dirname(emulator.ric),
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
    NODE_PATH: '/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
  };
}

/**
 * The variables the function's code read (`reads`: the bundle, with the libraries bundled into it; not Node's
 * internals nor the runtime client) that neither serverless.yml sets for it, nor Lambda defines, nor `declared`
 * lists (variables the code reads on purpose without serverless.yml setting them, each with its reason).
 */
export function envReadsNotConfigured(fn: LambdaFunction, reads: Iterable<string>, declared: Record<string, string>): string[] {
  const defined = new Set(Object.keys(lambdaDefinedEnvironment(fn, { node: '', rie: '', ric: '' })));
  return [...new Set(reads)].filter((name) => !(name in fn.environment) && !defined.has(name) && !(name in declared)).sort();
}

/** Who read a variable: the function's code (its task root), Node's internals, or the runtime client. */
export type EnvReader = 'function' | 'node' | 'runtime';

function readsOf(file: string, reader: EnvReader): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => line.split('\t') as [string, EnvReader]).filter(([, by]) => by === reader).map(([name]) => name);
}

export interface InvokeResult {
  /** RIE's HTTP status: 200 for a response or a function error, 502 when the runtime failed (init or crash). */
  status: number;
  body: string;
  /** The parsed response (the handler's return value, or the error document). */
  payload: unknown;
  /** Set when the invocation failed: the runtime's error document (`Runtime.HandlerNotFound`, an exception…). */
  functionError?: { errorType: string; errorMessage: string };
  ms: number;
  /** Whether this invocation started the sandbox (its init ran first). */
  cold: boolean;
}

export interface Sandbox {
  fn: LambdaFunction;
  busy: boolean;
  /** The runtime crashed or failed to start: Lambda would not reuse this sandbox. */
  broken: boolean;
  /** Everything RIE and the runtime printed, line by line (the function's logs and RIE's START/END/REPORT). */
  output: string[];
  invoke(payload: unknown): Promise<InvokeResult>;
  /** The environment variables read so far by `reader` (default: the function's own code). */
  envReads(reader?: EnvReader): string[];
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Variables added to the function's environment: the suite's redirections to its loopback stand-ins. */
  env?: Record<string, string>;
  /** Record the environment variables the runtime reads (default true; benchmarks leave the recorder out). */
  recordEnvReads?: boolean;
}

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/2015-03-31/functions/function/invocations', headers: { 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function functionErrorOf(status: number, payload: unknown, body: string): InvokeResult['functionError'] {
  const document = payload as { errorType?: unknown; errorMessage?: unknown } | undefined;
  const isError = document !== null && typeof document === 'object' && typeof document.errorType === 'string' && typeof document.errorMessage === 'string'
    && Object.keys(document).every((k) => ['errorType', 'errorMessage', 'trace', 'stackTrace'].includes(k));
  if (isError) return { errorType: String(document.errorType), errorMessage: String(document.errorMessage) };
  if (status !== 200) return { errorType: `HTTP ${status}`, errorMessage: body };
  return undefined;
}

/** One Lambda sandbox: RIE with `fn`'s task root, environment and handler, the runtime started on first invoke. */
export async function startSandbox(fn: LambdaFunction, emulator: LambdaEmulator, options: SandboxOptions = {}): Promise<Sandbox> {
  const [invokePort, runtimeApiPort] = await freePorts(2);
  const readsFile = path.join(mkdtempSync(path.join(os.tmpdir(), `mesh-${fn.key}-env-`)), 'reads');
  writeFileSync(readsFile, '');
  const child: ChildProcess = spawn(
    emulator.rie,
    [
      '--runtime-interface-emulator-address', `127.0.0.1:${invokePort}`,
      '--runtime-api-address', `127.0.0.1:${runtimeApiPort}`,
      '--log-level', 'warn',
      emulator.node, ...(options.recordEnvReads === false ? [] : ['--require', ENV_READS_PRELOAD]), emulator.ric, fn.handler,
    ],
    {
      cwd: fn.taskRoot,
      // Lambda's /tmp belongs to one sandbox: here a directory of its own (TMPDIR, which Lambda leaves unset).
      env: { ...lambdaDefinedEnvironment(fn, emulator), ...fn.environment, ...options.env, TMPDIR: path.dirname(readsFile), MESH_TEST_ENV_READS: readsFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => output.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // RIE's HTTP server comes up a moment after the process starts; the runtime itself starts on the first invoke.
  const listening = (async () => {
    for (let attempt = 0; !(await connects(invokePort)); attempt += 1) {
      if (attempt > 200 || child.exitCode !== null) throw new Error(`${fn.name}: RIE is not listening: ${output.slice(-5).join(' | ')}`);
      await sleep(25);
    }
  })();
  listening.catch(() => undefined);
  let started = false;
  const sandbox: Sandbox = {
    fn,
    busy: false,
    broken: false,
    output,
    async invoke(payload) {
      if (sandbox.busy) throw new Error(`${fn.name}: one invocation at a time per sandbox`);
      sandbox.busy = true;
      const cold = !started;
      started = true;
      const body = JSON.stringify(payload);
      try {
        await listening;
        // From here on it is Lambda's time: the runtime starts (on the first invocation), inits, and handles.
        const begin = performance.now();
        const answer = await post(invokePort, body);
        const ms = performance.now() - begin;
        const parsed = parse(answer.body);
        const functionError = functionErrorOf(answer.status, parsed, answer.body);
        if (answer.status !== 200) sandbox.broken = true;
        return { status: answer.status, body: answer.body, payload: parsed, ms, cold, ...(functionError ? { functionError } : {}) };
      } finally {
        sandbox.busy = false;
      }
    },
    envReads: (reader = 'function') => readsOf(readsFile, reader),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const deadline = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(deadline);
      rmSync(path.dirname(readsFile), { recursive: true, force: true });
    },
  };
  return sandbox;
}

export interface FunctionPool {
  fn: LambdaFunction;
  /** Every sandbox started so far (each start is a cold start). */
  sandboxes: Sandbox[];
  invoke(payload: unknown): Promise<InvokeResult>;
  /** Every variable any of its sandboxes read (default: read by the function's own code). */
  envReads(reader?: EnvReader): string[];
  output(): string[];
  close(): Promise<void>;
}

/** Invokes `fn` as Lambda does: in an idle sandbox, else in a new one (cold); a crashed sandbox is not reused. */
export function functionPool(fn: LambdaFunction, emulator: LambdaEmulator, options: SandboxOptions = {}): FunctionPool {
  const sandboxes: Sandbox[] = [];
  return {
    fn,
    sandboxes,
    async invoke(payload) {
      let sandbox = sandboxes.find((s) => !s.busy && !s.broken);
      if (!sandbox) {
        sandbox = await startSandbox(fn, emulator, options);
        sandboxes.push(sandbox);
      }
      return sandbox.invoke(payload);
    },
    envReads: (reader) => [...new Set(sandboxes.flatMap((s) => s.envReads(reader)))],
    output: () => sandboxes.flatMap((s) => s.output),
    close: async () => {
      await Promise.all(sandboxes.map((s) => s.close()));
    },
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
/** `06/Dec/2026:04:35:36 +0000`, as requestContext.time. */
function apiGatewayTime(d: Date): string {
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** A Slack request as API Gateway's HTTP API hands it to the function (payload format 2.0, `POST /slack/events`). */
export function httpApiEvent(body: string, headers: Record<string, string>): JsonObject {
  const now = Date.now();
  const requestId = `${now.toString(36)}${Math.random().toString(36).slice(2, 8)}`.toUpperCase();
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: {
      accept: 'application/json,*/*',
      'accept-encoding': 'gzip,deflate',
      'content-length': String(Buffer.byteLength(body)),
      'content-type': 'application/x-www-form-urlencoded',
      host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-amzn-trace-id': `Root=1-${Math.floor(now / 1000).toString(16)}-${'0'.repeat(24)}`,
      'x-forwarded-for': '54.80.0.1',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...headers,
    },
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: { method: 'POST', path: '/slack/events', protocol: 'HTTP/1.1', sourceIp: '54.80.0.1', userAgent: 'Slackbot 1.0 (+https://api.slack.com/robots)' },
      requestId,
      routeKey: 'POST /slack/events',
      stage: '$default',
      time: apiGatewayTime(new Date(now)),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

