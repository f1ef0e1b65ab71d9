import { UserError } from '../../src/errors';
import type { Job } from '../../src/jobs/job';
import { localRunner } from '../../src/jobs/local-runner';
import type { JobDeps } from '../../src/jobs/state';
import { stepJob } from '../../src/jobs/step';
import { slackReporter } from '../../src/slack/reporter';
import type { SlackApi } from '../../src/slack/webapi';
import { runStateMachine, type TaskFunction } from '../support/jobs-state-machine';

// The jobs state machine of serverless.yml, run by a maintained ASL executor (aws-local-stepfunctions, which
// needs Node >= 22: `npm test` runs this file on the Lambda's Node 22) against the real worker step (`stepJob`,
// what handlers/worker.ts calls), next to the local runner: same Slack conversation, same waits.

// A job whose outcome depends on nothing but the job machinery: `status` without a cluster is refused.
const job: Job = {
  id: 'mesh-status-0123456789abcdef0123',
  command: { kind: 'status', app: 'guestbook' },
  text: 'status guestbook',
  user: 'U1',
  channel: 'C1',
  requestedAt: 0,
};

/** A Slack Web API stand-in recording calls; `down` calls fail first, as during an outage. */
function fakeSlack(down = 0) {
  const calls: string[] = [];
  let failures = down;
  const attempt = async (what: string) => {
    if (failures > 0) {
      failures -= 1;
      throw new Error('Slack is unavailable');
    }
    calls.push(what);
  };
  const api: SlackApi = {
    async call<T>(method: string, args: Record<string, unknown>) {
      await attempt(`${method}${typeof args.text === 'string' ? ` ${args.text}` : ''}`);
      return { ok: true, ts: '1.1', channel: 'C1', upload_url: 'http://127.0.0.1:9/upload', file_id: 'F1' } as T;
    },
    async respond(_url, body) {
      await attempt(`respond ${String(body.text)}`);
    },
    async upload(_url, _bytes, filename) {
      await attempt(`upload ${filename}`);
    },
  };
  return { api, calls };
}

function deps(slack: SlackApi): JobDeps {
  return { reporter: slackReporter(slack), kube: () => Promise.reject(new UserError('no cluster: set KUBECONFIG')), now: () => 0 };
}

async function viaLocalRunner(slack: SlackApi) {
  let finished: unknown;
  const runner = localRunner(deps(slack), { maxWaitMs: 0, onDone: (state) => (finished = state) });
  await runner.start(job);
  await runner.idle();
  return finished;
}

describe('jobs state machine (serverless.yml) with the real worker step', () => {
  it('runs a job to the same end, with the same Slack calls, as the local runner', async () => {
    const aws = fakeSlack();
    const run = await runStateMachine({ job }, (input) => stepJob(input, deps(aws.api)));
    const local = fakeSlack();
    const localFinal = await viaLocalRunner(local.api);
    expect(run.final).toEqual(localFinal);
    expect(run.final).toMatchObject({ done: true, outcome: 'failed' });
    expect(run.path).toEqual(['Step', 'NextOrDone', 'Finished', 'Failed']);
    expect(aws.calls).toEqual(['chat.postEphemeral :x: no cluster: set KUBECONFIG']);
    expect(aws.calls).toEqual(local.calls);
  });

  it('waits out a Slack outage with the worker-requested pauses, then delivers', async () => {
    const aws = fakeSlack(2);
    const run = await runStateMachine({ job }, (input) => stepJob(input, deps(aws.api)));
    expect(run.waits).toEqual([15, 15]);
    expect(run.path.filter((s) => s === 'Pause')).toHaveLength(2);
    const local = fakeSlack(2);
    const localFinal = await viaLocalRunner(local.api);
    expect(run.final).toEqual(localFinal);
    expect(aws.calls).toEqual(local.calls);
  });

  it('ends succeeded when the job succeeded or left no outcome', async () => {
    for (const done of [{ outcome: 'succeeded' }, {}]) {
      let steps = 0;
      const worker: TaskFunction = async (input) =>
        ++steps < 3 ? { ...input, done: false, waitSeconds: 0 } : { ...input, done: true, waitSeconds: 0, ...done };
      const run = await runStateMachine({ job }, worker);
      expect(run.end).toBe('Succeed');
      expect(run.path).toEqual(['Step', 'NextOrDone', 'Step', 'NextOrDone', 'Step', 'NextOrDone', 'Finished', 'Done']);
    }
  });

  it('retries transient worker errors with backoff', async () => {
    const aws = fakeSlack();
    let crashes = 2;
    const flaky: TaskFunction = async (input) => {
      if (crashes-- > 0) throw Object.assign(new Error('API server hiccup'), { name: 'TransientError' });
      return stepJob(input, deps(aws.api));
    };
    const run = await runStateMachine({ job }, flaky);
    expect(run.waits).toEqual([2, 4]);
    expect(run.final).toMatchObject({ done: true, outcome: 'failed' });
    expect(aws.calls).toHaveLength(1);
  });

  it('posts a crashed step to the channel through the worker, then fails the execution', async () => {
    const aws = fakeSlack();
    const crashing: TaskFunction = async (input) => {
      if (!('phase' in input) || input.phase !== 'notify') throw Object.assign(new Error('out of memory'), { name: 'Runtime.ExitError' });
      return stepJob(input, deps(aws.api));
    };
    const run = await runStateMachine({ job }, crashing);
    expect(run.path).toEqual(['Step', 'ReportFailure', 'NextOrDone', 'Finished', 'Failed']);
    expect(run.end).toBe('Fail');
    expect(aws.calls).toEqual([
      `chat.postMessage :x: mesh job ${job.id} stopped: the worker failed (Runtime.ExitError) and gave up after retries`,
    ]);
  });
});
