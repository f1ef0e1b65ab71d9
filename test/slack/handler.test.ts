// The Slack handler in-process, on signed requests: every `/mesh` slash command is answered on the fast path,
// which never makes a Bolt app (the cold ack budget depends on it); a button press is Bolt's.
import { createSlackHandler, type SlackLambdaHandler } from '../../src/slack/handler';
import type { Job } from '../../src/jobs/job';
import { parsePolicy } from '../../src/slack/policy-file';
import { startSlackStandin, type SlackStandin, type StandinEvent } from '../../src/slack/standin';
import { buttonBody, signedEvent, slashCommandBody } from './helpers/signing';
import { TEST_POLICY } from './helpers/policy';

const SECRET = 'handler-test-signing-secret';

let standin: SlackStandin;
let handler: SlackLambdaHandler;
let boltApps = 0;
const started: Job[] = [];
const replies: StandinEvent[] = [];

beforeAll(async () => {
  standin = await startSlackStandin();
  standin.events.on('event', (e: StandinEvent) => replies.push(e));
  const policy = parsePolicy(TEST_POLICY, 'policy.yaml');
  handler = createSlackHandler({
    secrets: async () => ({ signingSecret: SECRET, botToken: 'xoxb-test' }),
    botId: 'B0MESHBOT',
    botUserId: 'U0MESHBOT',
    slackApiUrl: standin.apiUrl,
    policy: () => policy,
    dispatcher: async () => ({
      start: async (job) => {
        started.push(job);
        return { jobId: job.id, alreadyStarted: false };
      },
    }),
    audit: () => undefined,
    log: () => undefined,
    // The module also serves the user-group lookup of TEST_POLICY; what counts is a Bolt app being made.
    loadBolt: async () => {
      const bolt = await import('../../src/slack/bolt-app');
      return {
        ...bolt,
        createBoltHandler: (settings) => {
          boltApps += 1;
          return bolt.createBoltHandler(settings);
        },
      };
    },
  });
});
afterAll(() => standin.close());

const invoke = (body: string) => handler(signedEvent(SECRET, body), {} as never);

test('a /mesh slash command is authorized, started and acked without Bolt', async () => {
  const result = await invoke(slashCommandBody({ text: 'deploy guestbook -n shop', channel: 'C0OPS' }));
  expect(result.statusCode).toBe(200);
  expect(JSON.parse(result.body!)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/Working on `deploy guestbook -n shop` \(job mesh-deploy-/) });
  expect(started.map((j) => j.command)).toEqual([expect.objectContaining({ kind: 'deploy', app: 'guestbook', namespace: 'shop' })]);
  const denied = await invoke(slashCommandBody({ text: 'deploy guestbook -n prod', channel: 'C0OPS' }));
  expect(JSON.parse(denied.body!)).toMatchObject({ text: expect.stringMatching(/^:no_entry: Denied/) });
  expect(boltApps).toBe(0);
});

test('a button press goes through Bolt: acked empty, the job started, the reply sent to its response_url', async () => {
  const before = started.length;
  const value = JSON.stringify({ rolloutId: 'shop.guestbook.abc123', namespace: 'shop' });
  const result = await invoke(buttonBody({ actionId: 'mesh_cancel', value, channel: 'C0OPS', responseUrl: standin.responseUrl('C0OPS') }));
  expect(result.statusCode).toBe(200);
  expect(result.body ?? '').toBe('');
  expect(boltApps).toBe(1);
  expect(started.slice(before).map((j) => j.command)).toEqual([expect.objectContaining({ kind: 'cancel', rolloutId: 'shop.guestbook.abc123' })]);
  expect(replies).toEqual([expect.objectContaining({ type: 'ephemeral', channel: 'C0OPS', text: expect.stringMatching(/Working on `cancel shop\.guestbook\.abc123` \(job mesh-cancel-/) })]);
});

test('a button press sent as form-encoded with a charset is still answered (Bolt itself parses only the bare media type)', async () => {
  const before = started.length;
  const value = JSON.stringify({ rolloutId: 'shop.guestbook.def456', namespace: 'shop' });
  const event = signedEvent(SECRET, buttonBody({ actionId: 'mesh_cancel', value, channel: 'C0OPS', responseUrl: standin.responseUrl('C0OPS') }));
  const result = await handler({ ...event, headers: { ...event.headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } }, {} as never);
  expect(result.statusCode).toBe(200);
  expect(started.slice(before).map((j) => j.command)).toEqual([expect.objectContaining({ kind: 'cancel', rolloutId: 'shop.guestbook.def456' })]);
});
