// The rollout notifier against the Slack stand-in: the parent message updated in place at most once a second,
// thread lines batched.
import { flushProgress, newNotifier, recordProgress } from '../../src/slack/notifier';
import { startSlackStandin, type SlackStandin } from '../../src/slack/standin';
import { slackApi } from '../../src/slack/webapi';

let standin: SlackStandin;
beforeEach(async () => {
  standin = await startSlackStandin();
});
afterEach(() => standin.close());

test('coalesces parent updates to at most one per second and batches thread lines', async () => {
  const slack = slackApi({ token: 't', baseUrl: standin.apiUrl, totalTimeoutMs: 1000 });
  let clock = 10_000;
  const now = () => clock;
  let state = newNotifier('C1', 'guestbook', 'shop', 'U1', clock);
  state = await flushProgress(state, slack, now);
  state = recordProgress(state, [
    { type: 'started', at: clock, rolloutId: 'shop.guestbook.x', stages: ['a', 'b'] },
    { type: 'stage-started', at: clock, stage: 'a' },
    { type: 'object-applied', at: clock, stage: 'a', object: 'deployment/x', action: 'created' },
  ]);
  clock += 300;
  state = await flushProgress(state, slack, now);
  expect(standin.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
  expect(state.dirty).toBe(true);
  clock += 800;
  state = await flushProgress(state, slack, now);
  expect(standin.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
  expect(standin.messages[1]).toMatchObject({ threadTs: standin.messages[0]!.ts, text: expect.stringContaining('Stage *a* started') });
  expect(state).toMatchObject({ dirty: false, pendingLines: [] });
});
