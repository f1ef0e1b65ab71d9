// Jobs (the local runner, the worker's step) replying through the Slack reporter to the stand-in, without a cluster.
import { localRunner } from '../../src/jobs/local-runner';
import { jobIdFor, type Job } from '../../src/jobs/job';
import type { JobDeps } from '../../src/jobs/state';
import { stepJob } from '../../src/jobs/step';
import { startSlackStandin, type SlackStandin, type StandinEvent } from '../../src/slack/standin';
import { slackFaults, type SlackFaults } from '../support/slack-faults';
import { slackReporter } from '../../src/slack/reporter';
import { slackApi } from '../../src/slack/webapi';

// Spawns processes and servers on a shared, busy machine: generous time, no timing assertions beyond the 3 s ack.
jest.setTimeout(60_000);

function job(text: string, command: Job['command'], extra: Partial<Job> = {}): Job {
  return { id: jobIdFor({ channel: 'C1', user: 'U1', text, at: Date.now(), kind: command.kind }), command, text, user: 'U1', channel: 'C1', requestedAt: Date.now(), ...extra };
}

const noCluster = async () => {
  throw new Error('this job must not need a cluster');
};

describe('jobs against the Slack stand-in', () => {
  let standin: SlackStandin;
  let faults: SlackFaults;
  let deps: JobDeps;
  let events: StandinEvent[];
  beforeEach(async () => {
    faults = slackFaults();
    standin = await startSlackStandin({ intercept: faults.intercept });
    events = [];
    standin.events.on('event', (e: StandinEvent) => events.push(e));
    deps = { reporter: slackReporter(slackApi({ token: 't', baseUrl: standin.apiUrl, totalTimeoutMs: 1000 })), kube: noCluster, now: Date.now };
  });
  afterEach(() => standin.close());

  it("gives a rollout the door's stage deadline (MESH_STAGE_TIMEOUT_MS), and the CLI's --timeout over it", async () => {
    const deploy = { kind: 'deploy', app: 'guestbook', inject: false } as const;
    const fromDoor = await stepJob({ job: job('deploy guestbook', deploy) }, { ...deps, stageTimeoutMs: 4321 });
    expect(fromDoor.rollout?.stageTimeoutMs).toBe(4321);
    const cli = { holder: 'me@host (mesh CLI, pid 1)', commandLine: 'mesh deploy guestbook --timeout 9s', stageTimeoutMs: 9000 };
    const fromCli = await stepJob({ job: job('deploy guestbook', deploy, { cli }) }, { ...deps, stageTimeoutMs: 4321 });
    expect(fromCli.rollout?.stageTimeoutMs).toBe(9000);
  });

  it('inject preview posts the summary with Apply and the YAML as a file in its thread, without a cluster', async () => {
    const runner = localRunner(deps);
    await runner.start(job('inject guestbook', { kind: 'inject', app: 'guestbook', apply: false }));
    await runner.idle();
    const [summary, file] = events;
    expect(summary).toMatchObject({ type: 'post', message: { channel: 'C1', text: expect.stringMatching(/^Injected guestbook: \d+ workload/) } });
    expect(JSON.stringify((summary as { message: { blocks: unknown } }).message.blocks)).toContain('mesh_apply');
    expect(file).toMatchObject({ type: 'file', filename: 'guestbook.injected.yaml', threadTs: (summary as { message: { ts: string } }).message.ts });
    expect((file as { content: string }).content).toContain('istio-proxy');
    expect([...runner.states.values()][0]).toMatchObject({ done: true, outcome: 'succeeded' });
  });

  it('answers an unknown app with an ephemeral error on the response_url', async () => {
    const runner = localRunner(deps);
    await runner.start(job('inject guestbok', { kind: 'inject', app: 'guestbok', apply: false }, { responseUrl: standin.responseUrl('C1') }));
    await runner.idle();
    expect(events).toEqual([expect.objectContaining({ type: 'ephemeral', text: expect.stringMatching(/no app or component named "guestbok"; did you mean "guestbook"/) })]);
  });

  it('keeps the reply through a Slack outage and delivers it when Slack is back', async () => {
    faults.setDown(true);
    const first = await stepJob({ job: job('inject guestbook', { kind: 'inject', app: 'guestbook', apply: false }) }, deps);
    expect(first).toMatchObject({ phase: 'notify', done: false, outcome: 'succeeded', waitSeconds: 15 });
    expect(first.lastError).toMatch(/HTTP 503/);
    const stillDown = await stepJob(JSON.parse(JSON.stringify(first)), deps);
    expect(stillDown).toMatchObject({ phase: 'notify', notifyAttempts: 2 });
    faults.setDown(false);
    const back = await stepJob(JSON.parse(JSON.stringify(stillDown)), deps);
    expect(back).toMatchObject({ phase: 'done', done: true });
    expect(events.map((e) => e.type)).toEqual(['post', 'file']);
  });

  it('does not start the same job twice', async () => {
    const runner = localRunner(deps);
    const j = job('inject guestbook', { kind: 'inject', app: 'guestbook', apply: false });
    expect(await runner.start(j)).toMatchObject({ alreadyStarted: false });
    expect(await runner.start(j)).toMatchObject({ alreadyStarted: true });
    await runner.idle();
    expect(events.filter((e) => e.type === 'post')).toHaveLength(1);
  });
});
