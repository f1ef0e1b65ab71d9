import { slackApi, SlackApiError, SlackUnavailableError, uploadFile } from '../../src/slack/webapi';
import { startSlackStandin, type SlackStandin, type StandinEvent } from '../../src/slack/standin';
import { slackFaults, type SlackFaults } from '../support/slack-faults';

// Spawns processes and servers on a shared, busy machine: generous time, no timing assertions beyond the 3 s ack.
jest.setTimeout(60_000);

describe('Slack Web API client against the loopback stand-in', () => {
  let standin: SlackStandin;
  let faults: SlackFaults;
  beforeEach(async () => {
    faults = slackFaults();
    standin = await startSlackStandin({ intercept: faults.intercept });
  });
  afterEach(async () => {
    await standin.close();
  });

  it('posts, updates in place and replies in a thread', async () => {
    const api = slackApi({ token: 'xoxb-test', baseUrl: standin.apiUrl });
    const { ts } = await api.call<{ ts: string }>('chat.postMessage', { channel: 'C1', text: 'parent', blocks: [{ type: 'divider' }] });
    await api.call('chat.update', { channel: 'C1', ts, text: 'parent v2' });
    await api.call('chat.postMessage', { channel: 'C1', thread_ts: ts, text: 'detail' });
    expect(standin.messages.map((m) => [m.text, m.threadTs ?? null, m.updates])).toEqual([
      ['parent v2', null, 1],
      ['detail', ts, 0],
    ]);
    expect(standin.calls[0]!.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('retries 429 after Retry-After within the budget', async () => {
    const slept: number[] = [];
    const api = slackApi({ token: 't', baseUrl: standin.apiUrl, sleep: async (ms) => void slept.push(ms) });
    faults.rateLimitNext(2, 3);
    await api.call('chat.postMessage', { channel: 'C1', text: 'x' });
    expect(slept).toEqual([3000, 3000]);
    expect(standin.calls.map((c) => c.method)).toEqual(['chat.postMessage (429)', 'chat.postMessage (429)', 'chat.postMessage']);
  });

  it('gives up when Retry-After exceeds the total budget', async () => {
    const api = slackApi({ token: 't', baseUrl: standin.apiUrl, totalTimeoutMs: 5000, sleep: async () => undefined });
    faults.rateLimitNext(1, 30);
    const error = await api.call('chat.postMessage', { channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackUnavailableError);
    // The caller is told how long Slack asked it to stay away, to honour across steps.
    expect((error as SlackUnavailableError).retryAt! - Date.now()).toBeGreaterThan(29_000);
  });

  it('reports an outage as SlackUnavailable and platform errors as SlackApiError', async () => {
    let clock = 0;
    const api = slackApi({ token: 't', baseUrl: standin.apiUrl, totalTimeoutMs: 2000, now: () => clock, sleep: async (ms) => void (clock += ms) });
    faults.setDown(true);
    await expect(api.call('chat.postMessage', { channel: 'C1', text: 'x' })).rejects.toThrow(/HTTP 503; gave up after \d+ attempt/);
    faults.setDown(false);
    await expect(api.call('chat.update', { channel: 'C1', ts: '1.2', text: 'x' })).rejects.toThrow(new SlackApiError('chat.update', 'message_not_found'));
  });

  it('retries an unreachable Slack with backoff inside the budget, then reports it as SlackUnavailable', async () => {
    let clock = 0;
    const slept: number[] = [];
    const api = slackApi({ token: 't', baseUrl: 'http://127.0.0.1:9/api/', totalTimeoutMs: 2000, now: () => clock, sleep: async (ms) => void (slept.push(ms), (clock += ms)) });
    await expect(api.call('chat.postMessage', { channel: 'C1', text: 'x' })).rejects.toThrow(/^Slack chat\.postMessage: unreachable \(.*\); gave up after 4 attempt\(s\)$/);
    expect(slept).toEqual([250, 500, 1000]);
    await expect(api.respond('http://127.0.0.1:9/response', { text: 'x' })).rejects.toThrow(SlackUnavailableError);
  });

  it('uploads a file with getUploadURLExternal + completeUploadExternal', async () => {
    const api = slackApi({ token: 't', baseUrl: standin.apiUrl });
    const seen: StandinEvent[] = [];
    standin.events.on('event', (e: StandinEvent) => seen.push(e));
    await uploadFile(api, { filename: 'app.yaml', title: 'App', content: 'kind: Pod\n', channel: 'C1', threadTs: '1.000001' });
    expect(seen).toEqual([{ type: 'file', channel: 'C1', threadTs: '1.000001', filename: 'app.yaml', title: 'App', content: 'kind: Pod\n' }]);
    expect(standin.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
  });
});

describe('response_url', () => {
  const posted: string[] = [];
  const fakeFetch: typeof fetch = async (input) => {
    posted.push(String(input));
    return new Response('ok', { status: 200 });
  };
  beforeEach(() => posted.splice(0));

  it.each([
    'https://hooks.slack.com/commands/T0001/1234/abcd',
    'https://hooks.slack.com/actions/T0001/1234/abcd',
    'https://hooks.slack-gov.com/commands/T0001/1234/abcd',
  ])('posts to Slack\'s own host: %s', async (url) => {
    await slackApi({ token: 't', fetch: fakeFetch }).respond(url, { text: 'x' });
    expect(posted).toEqual([url]);
  });

  it.each([
    ['https://evil.example.com/commands/x', /https:\/\/evil\.example\.com is not a Slack host/],
    ['http://hooks.slack.com/commands/x', /http:\/\/hooks\.slack\.com is not a Slack host/],
    ['https://hooks.slack.com.evil.example/x', /is not a Slack host/],
    ['http://127.0.0.1:8080/response', /http:\/\/127\.0\.0\.1:8080 is not a Slack host/],
    ['http://169.254.169.254/latest/meta-data', /is not a Slack host/],
  ])('refuses %s without sending anything (no stand-in configured)', async (url, expected) => {
    const error = await slackApi({ token: 't', fetch: fakeFetch }).respond(url, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackApiError);
    expect((error as Error).message).toMatch(/^Slack response_url failed: not_a_slack_url \(refused: /);
    expect((error as Error).message).toMatch(expected);
    expect(posted).toEqual([]);
  });

  it('allows a loopback response_url only when the Web API is the loopback stand-in', async () => {
    await slackApi({ token: 't', baseUrl: 'http://127.0.0.1:4000/api/', fetch: fakeFetch }).respond('http://127.0.0.1:4000/response/C1', { text: 'x' });
    expect(posted).toEqual(['http://127.0.0.1:4000/response/C1']);
    // A stand-in on loopback does not open the door to other hosts.
    await expect(slackApi({ token: 't', baseUrl: 'http://127.0.0.1:4000/api/', fetch: fakeFetch }).respond('https://evil.example.com/x', {})).rejects.toThrow(/not a Slack host/);
    expect(posted).toHaveLength(1);
  });
});
