// A policy that grants by Slack user group: the front door asks Slack (usergroups.users.list) who is in the
// group. When Slack cannot answer, the caller counts as in no group (fail closed), and the refusal says why.
import { startConsole, type ConsoleSession } from '../../src/console/session';
import type { Policy } from '../../src/slack/policy';
import { slackFaults, type SlackFaults } from '../support/slack-faults';

jest.setTimeout(60_000);

const policy: Policy = {
  source: 'test policy',
  readOnly: 'open',
  rules: [{ name: 'platform deploys', users: [], userGroups: ['S0PLATFORM'], channels: [], permissions: ['*'], namespaces: ['*'], clusters: [], apps: [] }],
};

let session: ConsoleSession | undefined;
let faults: SlackFaults;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

async function open(): Promise<ConsoleSession> {
  // No cluster is ever needed: every command here is refused before a job starts.
  faults = slackFaults();
  session = await startConsole({
    env: { MESH_CLUSTER_NAME: 'must-not-start' }, policy, kube: () => Promise.reject(new Error('no cluster in this test')),
    slackStandin: { intercept: faults.intercept },
  });
  session.standin.userGroups.S0PLATFORM = ['U0SOMEONEELSE'];
  return session;
}

test('a caller in none of the policy\'s groups is refused, without a word about the lookup', async () => {
  const s = await open();
  const reply = await s.send('/mesh deploy guestbook -n shop');
  expect(reply.text).toMatch(/^:no_entry: /);
  expect(reply.text).not.toContain('user groups could not be read');
  expect(s.standin.calls.some((c) => c.method === 'usergroups.users.list')).toBe(true);
});

test('when Slack cannot answer the group lookup, the refusal says the groups could not be read', async () => {
  const s = await open();
  faults.setDown(true);
  const reply = await s.send('/mesh deploy guestbook -n shop');
  expect(reply.text).toMatch(/^:no_entry: .* \(your Slack user groups could not be read \(.+\)\)$/);
  expect(s.runner.states.size).toBe(0);
});
