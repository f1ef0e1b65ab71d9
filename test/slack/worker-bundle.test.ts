// The BUILT worker Lambda (dist/handlers/worker.js): one step in, new state out, replies posted to Slack.
import { startSlackStandin, type SlackStandin } from '../../src/slack/standin';
import { jobIdFor, type Job } from '../../src/jobs/job';
import { invokeWorker } from './helpers/worker-process';

jest.setTimeout(60_000);

describe('dist/handlers/worker.js', () => {
  let slack: SlackStandin;
  beforeAll(async () => {
    slack = await startSlackStandin();
  });
  afterAll(() => slack.close());

  it('runs one step of a job from the state machine input and returns the final state', async () => {
    const text = 'inject guestbook -n shop';
    const job: Job = { id: jobIdFor({ channel: 'C1', user: 'U1', text, at: 0, kind: 'inject' }), command: { kind: 'inject', app: 'guestbook', namespace: 'shop', apply: false }, text, namespace: 'shop', user: 'U1', channel: 'C1', requestedAt: 0 };
    const env = { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-worker', SLACK_API_URL: slack.apiUrl };
    const state = await invokeWorker({ job }, env);
    expect(state).toMatchObject({ phase: 'done', done: true, outcome: 'succeeded', waitSeconds: 0 });
    expect(slack.messages[0]).toMatchObject({ channel: 'C1', text: expect.stringContaining('Injected guestbook') });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    // A finished job stays finished when stepped again (the state machine's loop is idempotent).
    expect(await invokeWorker(state, env)).toEqual(state);
  });
});
