import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { JsonObject } from '../../src/json-object';

// `npm run package` (osls package) once for the whole file: no AWS credentials, no AWS config, no network.
// The checks read the CloudFormation template it generates.

const root = path.resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- asl-validator ships no types; its call shape is declared here
const validateAsl = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

type Json = JsonObject;
interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let outDir: string;
let home: string;
let template: Json;
let packageLog: string;

beforeAll(() => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'mesh-package-'));
  home = mkdtempSync(path.join(os.tmpdir(), 'mesh-package-home-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--package', outDir], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 170_000,
  });
  packageLog = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`osls package failed (exit ${result.status}):\n${packageLog}`);
  template = JSON.parse(readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 180_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

const resources = (type: string): [string, Json][] =>
  Object.entries(template.Resources as Json).filter(([, r]) => r.Type === type) as [string, Json][];
const resource = (id: string): Json => template.Resources[id];

function roleStatements(roleId: string): PolicyStatement[] {
  return (resource(roleId).Properties.Policies as Json[]).flatMap((p) => p.PolicyDocument.Statement as PolicyStatement[]);
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('osls package (offline, no credentials)', () => {
  it('packages each function as its own bundle', () => {
    expect(packageLog).toMatch(/Service packaged/);
    expect(readdirSync(outDir).filter((f) => f.endsWith('.zip')).sort()).toEqual(['slack.zip', 'worker.zip']);
  });

  it('ships self-contained bundles that load on a bare Node (no node_modules) and keep client-node out of slack', () => {
    const unpacked = path.join(outDir, 'unpacked');
    for (const fn of ['slack', 'worker']) {
      const files = unzipSync(readFileSync(path.join(outDir, `${fn}.zip`)), { filter: (entry) => !entry.name.endsWith('/') });
      expect(Object.keys(files).filter((f) => f.endsWith('.js'))).toEqual([`handlers/${fn}.js`]);
      for (const [file, data] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(unpacked, fn, file)), { recursive: true });
        writeFileSync(path.join(unpacked, fn, file), data);
      }
      const loaded = spawnSync(
        process.execPath,
        ['-e', `const h = require('./handlers/${fn}.js').handler; process.stdout.write(typeof h + ' ' + h.length)`],
        { cwd: path.join(unpacked, fn), env: { PATH: process.env.PATH, SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-t' }, encoding: 'utf8' },
      );
      expect({ fn, out: loaded.stdout, err: loaded.stderr }).toEqual({ fn, out: expect.stringMatching(/^function [12]$/), err: '' });
    }
    // The policy file the slack function is configured with travels in its zip (Lambda's cwd is the zip root).
    const policyFile = resource('SlackLambdaFunction').Properties.Environment.Variables.MESH_POLICY_FILE;
    expect(readFileSync(path.join(unpacked, 'slack', policyFile), 'utf8')).toMatch(/^rules:/m);
    // client-node's KubeConfig keeps its method names through minification.
    expect(readFileSync(path.join(unpacked, 'slack/handlers/slack.js'), 'utf8')).not.toContain('loadFromClusterAndUser');
  });

  it('has the slack function: small, short, nodejs22.x, behind POST /slack/events', () => {
    const slack = resource('SlackLambdaFunction').Properties;
    expect(slack).toMatchObject({ Handler: 'handlers/slack.handler', Runtime: 'nodejs22.x' });
    expect(slack.MemorySize).toBeLessThanOrEqual(512);
    expect(slack.Timeout).toBeLessThanOrEqual(10);
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes).toEqual([expect.objectContaining({ RouteKey: 'POST /slack/events' })]);
    const integration = resource(routes[0].Target['Fn::Join'][1][1].Ref).Properties;
    expect(integration.IntegrationUri).toEqual({ 'Fn::GetAtt': ['SlackLambdaFunction', 'Arn'] });
  });

  it('has the worker function sized for one rollout stage', () => {
    const worker = resource('WorkerLambdaFunction').Properties;
    expect(worker).toMatchObject({ Handler: 'handlers/worker.handler', Runtime: 'nodejs22.x' });
    const budgetSeconds = Number(worker.Environment.Variables.MESH_STEP_BUDGET_MS) / 1000;
    expect(worker.Timeout).toBeGreaterThanOrEqual(budgetSeconds * 2);
    expect(worker.Timeout).toBeLessThanOrEqual(900);
  });

  it('has a valid state machine that loops worker steps until a terminal phase and reports failures', () => {
    const [[, machine]] = resources('AWS::StepFunctions::StateMachine') as [[string, Json]];
    const [text, vars] = machine.Properties.DefinitionString['Fn::Sub'] as [string, Json];
    // Substitute the deploy-time ARNs the way CloudFormation will, then validate the ASL.
    const definition = JSON.parse(
      text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
        expect(vars[name]).toEqual({ 'Fn::GetAtt': ['WorkerLambdaFunction', 'Arn'] });
        return 'arn:aws:lambda:eu-west-1:123456789012:function:mesh-dev-worker';
      }),
    );
    const validation = validateAsl(definition);
    expect(validation.errorsText('\n')).toBe('');
    expect(validation.isValid).toBe(true);

    // The local runner's loop (src/jobs/local-runner.ts): step until done, waiting waitSeconds when asked.
    const states = definition.States as Json;
    expect(states.Step).toMatchObject({ Type: 'Task', Next: 'NextOrDone' });
    expect(states.Step.Parameters).toBeUndefined(); // the worker gets `{job}`, then its own previous state
    expect(states.Step.Retry[0]).toMatchObject({ BackoffRate: 2, MaxAttempts: expect.any(Number) });
    expect(states.Step.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ReportFailure' }]);
    expect(states.NextOrDone.Choices.map((c: Json) => c.Next)).toEqual(['Finished', 'Pause']);
    expect(states.NextOrDone.Default).toBe('Step');
    expect(states.Finished.Choices.map((c: Json) => c.Next)).toEqual(['Done', 'Failed']);
    expect(states.Pause).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Step' });
    // A crashed step is reported through the worker's own notify phase, then the loop delivers it.
    expect(states.ReportFailure.Parameters).toMatchObject({ 'job.$': '$.job', phase: 'notify', outcome: 'failed', done: false });
    expect(states.ReportFailure.Next).toBe('NextOrDone');
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('scopes every IAM permission to named resources and actions', () => {
    for (const [id, role] of resources('AWS::IAM::Role')) {
      for (const statement of (role.Properties.Policies as Json[]).flatMap((p) => p.PolicyDocument.Statement as PolicyStatement[])) {
        for (const action of list(statement.Action)) expect({ id, action }).toEqual({ id, action: expect.not.stringMatching(/\*/) });
        for (const target of list(statement.Resource)) expect({ id, target }).not.toEqual({ id, target: '*' });
      }
    }
  });

  it('lets slack start only this state machine and read its two secrets; the worker only read them', () => {
    expect(resource('SlackLambdaFunction').Properties.Role).toEqual({ 'Fn::GetAtt': ['SlackRole', 'Arn'] });
    expect(resource('WorkerLambdaFunction').Properties.Role).toEqual({ 'Fn::GetAtt': ['WorkerRole', 'Arn'] });
    const grants = (roleId: string) =>
      roleStatements(roleId)
        .filter((s) => !list(s.Action).every((a) => a.startsWith('logs:')))
        .map((s) => [list(s.Action), list(s.Resource).map((r) => JSON.stringify(r))]);
    const param = (name: string) =>
      JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/mesh/dev/slack/${name}` });
    expect(grants('SlackRole')).toEqual([
      [['states:StartExecution'], [JSON.stringify({ Ref: 'JobsStateMachine' })]],
      [['ssm:GetParameter'], [param('signing-secret'), param('bot-token')]],
    ]);
    const sub = (arn: string) => JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:${arn}` });
    expect(grants('WorkerRole')).toEqual([
      [['ssm:GetParameter'], [param('signing-secret'), param('bot-token')]],
      [['ssm:GetParameter'], [sub('ssm:${AWS::Region}:${AWS::AccountId}:parameter/mesh/dev/git/*')]],
      [['secretsmanager:GetSecretValue'], [sub('secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:mesh/dev/git/*')]],
    ]);
    expect(resource('SlackLambdaFunction').Properties.Environment.Variables).toMatchObject({
      MESH_STATE_MACHINE_ARN: { Ref: 'JobsStateMachine' },
      SLACK_SIGNING_SECRET_PARAM: '/mesh/dev/slack/signing-secret',
      SLACK_BOT_TOKEN_PARAM: '/mesh/dev/slack/bot-token',
    });
  });
});
