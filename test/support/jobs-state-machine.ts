// The jobs state machine of serverless.yml, run by a maintained ASL executor (aws-local-stepfunctions, which
// needs Node >= 22) with a local function as the worker's Task: for suites that drive jobs as deployed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { StateMachine } from 'aws-local-stepfunctions';

const CLOUDFORMATION_TAGS = ['Ref', 'GetAtt', 'Sub'].map((tag) => ({
  tag: `!${tag}`,
  resolve: (value: string) => ({ [tag === 'Ref' ? 'Ref' : `Fn::${tag}`]: value }),
}));
const config = parse(readFileSync(path.resolve(__dirname, '../../serverless.yml'), 'utf8'), { customTags: CLOUDFORMATION_TAGS });
// The worker's ARN as CloudFormation resolves `!GetAtt worker.Arn`; the executor runs the local task function instead.
const WORKER_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:mesh-dev-worker';
const definition = JSON.parse(JSON.stringify(config.stepFunctions.stateMachines.jobs.definition, (_key, value: unknown) =>
  value !== null && typeof value === 'object' && 'Fn::GetAtt' in value ? WORKER_ARN : value));

// The executor hands states' JSON over untyped; the worker's own types (JobState) apply once it reaches stepJob.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = any;
export type TaskFunction = (input: Json) => Promise<Json>;
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface Execution {
  end: 'Succeed' | 'Fail';
  /** The data that reached the end state (a Fail state's output is its error instead). */
  final: Json;
  /** Every state entered, in order. */
  path: string[];
  /** Seconds waited, in order: Wait states (their SecondsPath) and retry backoffs (as AWS computes them). */
  waits: number[];
}

/** Runs the definition with both worker Tasks calling `task`, without really sleeping (unless `realWaits`). */
export async function runStateMachine(input: Json, task: TaskFunction, options: { realWaits?: boolean } = {}): Promise<Execution> {
  const taskStates = Object.keys(definition.States).filter((name) => definition.States[name].Type === 'Task');
  const waitStates = Object.keys(definition.States).filter((name) => definition.States[name].Type === 'Wait');
  const execution = new StateMachine(definition).run(input, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(taskStates.map((name) => [name, task])),
      ...(options.realWaits ? {} : { waitTimeOverrides: Object.fromEntries(waitStates.map((name) => [name, 0])) }),
      retryIntervalOverrides: Object.fromEntries(taskStates.map((name) => [name, 0])),
    },
  });
  const events: EventLog[] = [];
  for await (const event of execution.eventLogs) events.push(event);
  await execution.result.catch(() => undefined);
  const path: string[] = [];
  const waits: number[] = [];
  let final: Json;
  for (const event of events) {
    if (event.type === 'StateEntered') {
      path.push(event.state.name);
      final = event.state.input;
      const state = definition.States[event.state.name];
      if (state.Type === 'Wait') waits.push((event.state.input as Json)[state.SecondsPath.replace(/^\$\./, '')]);
    }
    if (event.type === 'StateRetried') {
      const { retrier, attempt } = event.retry;
      waits.push((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** (attempt - 1));
    }
    if (event.type === 'ExecutionSucceeded') final = event.output;
  }
  const end = events.some((e) => e.type === 'ExecutionSucceeded') ? 'Succeed' : 'Fail';
  return { end, final, path, waits };
}

