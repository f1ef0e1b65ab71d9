import { awsEnvironment } from '../../src/aws/credentials';
import { AwsServiceError } from '../../src/aws/json-protocol';
import { secretsResolver } from '../../src/aws/secrets';
import { startExecution } from '../../src/aws/stepfunctions';
import { UserError } from '../../src/errors';
import { startFakeAws, type FakeAws } from './fake-aws';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mesh-dev-jobs';

let fake: FakeAws;
beforeEach(async () => {
  fake = await startFakeAws();
});
afterEach(() => fake.close());

describe('startExecution', () => {
  it('sends a signed AWSStepFunctions.StartExecution with the input as a JSON string', async () => {
    fake.reply.set('AWSStepFunctions.StartExecution', (body) => ({
      status: 200,
      json: { executionArn: `arn:aws:states:eu-west-1:123456789012:execution:mesh-dev-jobs:${body.name}`, startDate: 1 },
    }));
    const started = await startExecution(
      { stateMachineArn: STATE_MACHINE, name: 'T1-C2-abc', input: { app: 'guestbook' } },
      awsEnvironment(fake.env()),
    );
    expect(started).toEqual({ executionArn: `${STATE_MACHINE.replace('stateMachine', 'execution')}:T1-C2-abc`, alreadyStarted: false });
    expect(fake.calls).toEqual([
      {
        target: 'AWSStepFunctions.StartExecution',
        contentType: 'application/x-amz-json-1.0',
        body: { stateMachineArn: STATE_MACHINE, name: 'T1-C2-abc', input: '{"app":"guestbook"}' },
        signatureValid: true,
        service: 'states',
      },
    ]);
  });

  it('treats ExecutionAlreadyExists (a duplicate Slack request) as already started', async () => {
    fake.reply.set('AWSStepFunctions.StartExecution', () => ({
      status: 400,
      json: { __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists', message: 'Execution Already Exists' },
    }));
    const started = await startExecution({ stateMachineArn: STATE_MACHINE, name: 'dup', input: {} }, awsEnvironment(fake.env()));
    expect(started).toEqual({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:mesh-dev-jobs:dup', alreadyStarted: true });
  });

  it('retries throttling, then succeeds', async () => {
    let attempts = 0;
    fake.reply.set('AWSStepFunctions.StartExecution', () =>
      ++attempts < 3 ? { status: 400, json: { __type: 'ThrottlingException' } } : { status: 200, json: { executionArn: 'arn:x' } },
    );
    await startExecution({ stateMachineArn: STATE_MACHINE, name: 'n', input: {} }, awsEnvironment(fake.env()));
    expect(attempts).toBe(3);
  });

  it('surfaces other service errors with their code, without retrying', async () => {
    fake.reply.set('AWSStepFunctions.StartExecution', () => ({
      status: 400,
      json: { __type: 'StateMachineDoesNotExist', message: 'State Machine Does Not Exist' },
    }));
    const error = await startExecution({ stateMachineArn: STATE_MACHINE, name: 'n', input: {} }, awsEnvironment(fake.env())).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ code: 'StateMachineDoesNotExist', statusCode: 400 });
    expect(fake.calls).toHaveLength(1);
  });

  it('retries a refused connection twice, then names the endpoint', async () => {
    const refused = awsEnvironment(fake.env({ MESH_AWS_ENDPOINT_URL: 'http://127.0.0.1:9/' }));
    const started = Date.now();
    const error = (await startExecution({ stateMachineArn: STATE_MACHINE, name: 'n', input: {} }, refused).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^127\.0\.0\.1:9: connect ECONNREFUSED/);
    // Two retries after 100 and 400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('rejects an execution name Step Functions would refuse before calling AWS', async () => {
    await expect(
      startExecution({ stateMachineArn: STATE_MACHINE, name: 'has space', input: {} }, awsEnvironment(fake.env())),
    ).rejects.toThrow(/invalid Step Functions execution name/);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('resolveSecrets', () => {
  it('prefers the environment and calls no AWS API', async () => {
    const resolve = secretsResolver(fake.env({ SLACK_SIGNING_SECRET: 'sig', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_BOT_TOKEN_PARAM: '/x' }));
    await expect(resolve()).resolves.toEqual({ signingSecret: 'sig', botToken: 'xoxb-1' });
    expect(fake.calls).toHaveLength(0);
  });

  it('reads SSM SecureString parameters with decryption once, then serves them from the cache', async () => {
    const values: Record<string, string> = { '/mesh/slack/signing-secret': 'sig-ssm', '/mesh/slack/bot-token': 'xoxb-ssm' };
    fake.reply.set('AmazonSSM.GetParameter', (body) => ({
      status: 200,
      json: { Parameter: { Name: body.Name, Type: 'SecureString', Value: values[String(body.Name)] } },
    }));
    const resolve = secretsResolver(
      fake.env({ SLACK_SIGNING_SECRET_PARAM: '/mesh/slack/signing-secret', SLACK_BOT_TOKEN_PARAM: '/mesh/slack/bot-token' }),
    );
    await expect(resolve()).resolves.toEqual({ signingSecret: 'sig-ssm', botToken: 'xoxb-ssm' });
    await resolve();
    const calls = fake.calls.map((c) => [c.target, c.contentType, c.body, c.signatureValid, c.service]);
    calls.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(calls).toEqual([
      ['AmazonSSM.GetParameter', 'application/x-amz-json-1.1', { Name: '/mesh/slack/bot-token', WithDecryption: true }, true, 'ssm'],
      ['AmazonSSM.GetParameter', 'application/x-amz-json-1.1', { Name: '/mesh/slack/signing-secret', WithDecryption: true }, true, 'ssm'],
    ]);
  });

  it('reads Secrets Manager secrets', async () => {
    fake.reply.set('secretsmanager.GetSecretValue', (body) => ({ status: 200, json: { SecretString: `value-of-${body.SecretId}` } }));
    const resolve = secretsResolver(fake.env({ SLACK_SIGNING_SECRET_SECRET_ARN: 'sig', SLACK_BOT_TOKEN_SECRET_ARN: 'bot' }));
    await expect(resolve()).resolves.toEqual({ signingSecret: 'value-of-sig', botToken: 'value-of-bot' });
    expect(fake.calls.every((c) => c.service === 'secretsmanager' && c.signatureValid)).toBe(true);
  });

  it('names the missing setting and does not cache a failure', async () => {
    const env = fake.env({ SLACK_SIGNING_SECRET: 'sig' });
    const resolve = secretsResolver(env);
    await expect(resolve()).rejects.toThrow(
      new UserError('SLACK_BOT_TOKEN is not configured: set SLACK_BOT_TOKEN, SLACK_BOT_TOKEN_PARAM (SSM) or SLACK_BOT_TOKEN_SECRET_ARN (Secrets Manager)'),
    );
    env.SLACK_BOT_TOKEN = 'xoxb-late';
    await expect(resolve()).resolves.toEqual({ signingSecret: 'sig', botToken: 'xoxb-late' });
  });

  it('never puts secret values into errors', async () => {
    fake.reply.set('AmazonSSM.GetParameter', () => ({ status: 400, json: { __type: 'ParameterNotFound', message: 'not found' } }));
    const resolve = secretsResolver(fake.env({ SLACK_SIGNING_SECRET: 'super-secret-sig', SLACK_BOT_TOKEN_PARAM: '/missing' }));
    const error = (await resolve().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'ParameterNotFound' });
    expect(error.message).not.toContain('super-secret-sig');
  });
});

describe('awsEnvironment', () => {
  it('names missing credentials', () => {
    expect(() => awsEnvironment({ AWS_REGION: 'eu-west-1' })).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});
