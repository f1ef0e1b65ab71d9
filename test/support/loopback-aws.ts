/**
 * The AWS side of the deployed functions on one loopback endpoint that checks every request's SigV4 signature
 * as AWS would (test/aws/fake-aws.ts): SSM parameters, Secrets Manager secrets, and Step Functions, whose
 * executions really run — the state machine definition of the CloudFormation template, executed by
 * aws-local-stepfunctions (Node >= 22), each Task invoking its Lambda function (in the suite: through RIE).
 *
 *   const aws = await startLoopbackAws(deployment.stateMachines, { [worker.fn.arn]: (input) => worker.invoke(input) });
 *   aws.parameters['/mesh/dev/slack/signing-secret'] = SECRET;
 *   aws.env()                                  // MESH_AWS_ENDPOINT_URL for the functions
 *   await aws.idle();                          // every execution started so far has ended
 *   aws.executions[0]                          // { name, status, states, output, error }
 */
import { StateMachine } from 'aws-local-stepfunctions';
import type { JsonObject } from '../../src/json-object';
import { startFakeAws, type FakeAws } from '../aws/fake-aws';
import type { InvokeResult, StateMachineResource } from './lambda';

export interface Execution {
  name: string;
  arn: string;
  stateMachineArn: string;
  input: JsonObject;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  /** Every state entered, in order. */
  states: string[];
  output?: unknown;
  error?: { error?: string; cause?: unknown };
  finished: Promise<void>;
}

export type LambdaInvoker = (payload: unknown) => Promise<InvokeResult>;

export interface LoopbackAws {
  url: string;
  fake: FakeAws;
  parameters: Record<string, string>;
  secrets: Record<string, string>;
  executions: Execution[];
  /** Resolves when every execution started so far (and any they led to) has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A Lambda Task as Step Functions runs it: the function's error document becomes the state's error name. */
function lambdaTask(invoke: LambdaInvoker) {
  return async (input: unknown) => {
    const result = await invoke(input);
    if (result.functionError) throw Object.assign(new Error(result.functionError.errorMessage), { name: result.functionError.errorType });
    return result.payload as never;
  };
}

/** A state machine ready to run: validated once (validation is the slow part), its Tasks bound to the functions. */
function executor(machine: StateMachineResource, lambdas: Record<string, LambdaInvoker>) {
  const states = machine.definition.States as JsonObject;
  const handlers = Object.fromEntries(
    Object.entries(states)
      .filter(([, state]) => (state as JsonObject).Type === 'Task')
      .map(([name, state]) => {
        const invoke = lambdas[(state as JsonObject).Resource];
        if (!invoke) throw new Error(`state ${name} names ${(state as JsonObject).Resource}, which the suite does not run`);
        return [name, lambdaTask(invoke)];
      }),
  );
  return { stateMachine: new StateMachine(machine.definition as never), handlers };
}

async function runExecution(machine: ReturnType<typeof executor>, execution: Execution): Promise<void> {
  // Step Functions answers StartExecution first and runs the execution on its own machines: here the first state
  // starts a moment after the answer, so the worker's cold start does not share the CPU with the ack being sent.
  await new Promise((resolve) => setTimeout(resolve, START_DELAY_MS));
  const run = machine.stateMachine.run(execution.input as never, { overrides: { taskResourceLocalHandlers: machine.handlers } });
  return (async () => {
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered') execution.states.push(event.state.name);
      if (event.type === 'ExecutionSucceeded') Object.assign(execution, { status: 'SUCCEEDED', output: event.output });
      if (event.type === 'ExecutionFailed') Object.assign(execution, { status: 'FAILED', error: { error: event.Error, cause: event.Cause } });
      if (event.type === 'ExecutionAborted' || event.type === 'ExecutionTimeout') Object.assign(execution, { status: event.type === 'ExecutionAborted' ? 'ABORTED' : 'FAILED', ...(event.type === 'ExecutionTimeout' ? { error: { error: 'States.Timeout' } } : {}) });
    }
    await run.result.catch(() => undefined);
  })();
}

const START_DELAY_MS = 250;

export async function startLoopbackAws(machines: StateMachineResource[], lambdas: Record<string, LambdaInvoker>): Promise<LoopbackAws> {
  const executors = new Map(machines.map((m) => [m.arn, executor(m, lambdas)]));
  const fake = await startFakeAws();
  const parameters: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const executions: Execution[] = [];
  const error = (type: string, message: string) => ({ status: 400, json: { __type: type, message } });
  fake.reply.set('AmazonSSM.GetParameter', (body) => {
    const name = String(body.Name);
    if (!(name in parameters)) return error('ParameterNotFound', name);
    return { status: 200, json: { Parameter: { Name: name, Type: 'SecureString', Value: parameters[name], Version: 1 } } };
  });
  fake.reply.set('secretsmanager.GetSecretValue', (body) => {
    const id = String(body.SecretId);
    if (!(id in secrets)) return error('ResourceNotFoundException', `Secrets Manager can't find the specified secret: ${id}`);
    return { status: 200, json: { ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${id}-AbCdEf`, Name: id, SecretString: secrets[id] } };
  });
  fake.reply.set('AWSStepFunctions.StartExecution', (body) => {
    const machine = machines.find((m) => m.arn === body.stateMachineArn);
    if (!machine) return error('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`);
    const name = String(body.name);
    const arn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (executions.some((e) => e.arn === arn)) return error('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    const execution: Execution = { name, arn, stateMachineArn: machine.arn, input: JSON.parse(String(body.input ?? '{}')) as JsonObject, status: 'RUNNING', states: [], finished: Promise.resolve() };
    execution.finished = runExecution(executors.get(machine.arn)!, execution).catch((e: unknown) => {
      Object.assign(execution, { status: 'FAILED', error: { error: 'StandinError', cause: String(e) } });
    });
    executions.push(execution);
    return { status: 200, json: { executionArn: arn, startDate: Date.now() / 1000 } };
  });
  return {
    url: fake.url,
    fake,
    parameters,
    secrets,
    executions,
    async idle() {
      for (let seen = -1; seen !== executions.length; ) {
        seen = executions.length;
        await Promise.all(executions.map((e) => e.finished));
      }
    },
    close: () => fake.close(),
  };
}
