// Hostile requests at the Slack front door as deployed (dist/handlers/slack.js): oversized bodies, wrong
// content types, bad base64 from API Gateway, malformed and tampered button presses. Each is refused and
// nothing runs: the Step Functions stand-in receives no execution.
import { existsSync } from 'node:fs';
import type { StandinEvent } from '../../src/slack/standin';
import { signSlackRequest } from '../../src/slack/verify';
import { BUNDLE } from '../slack/helpers/bundle-process';
import { gatewayEvent, leakedSecrets, signedEvent, SIGNING_SECRET, slashCommandBody, startSlackDoor, type SlackDoor } from './support/slack-door';

jest.setTimeout(60_000);

let door: SlackDoor;
const ephemerals: string[] = [];

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build (npm test does)`);
  door = await startSlackDoor();
  door.slack.events.on('event', (e: StandinEvent) => e.type === 'ephemeral' && ephemerals.push(e.text));
});
afterAll(() => door?.close());

/** Runs `send` and expects it to start nothing; returns the status code and the JSON body. */
async function refused(send: () => Promise<{ result: { statusCode: number; body: string } }>): Promise<{ status: number; body: Record<string, unknown> }> {
  const before = door.sfn.started.length;
  const { result } = await send();
  expect(door.sfn.started.length).toBe(before);
  return { status: result.statusCode, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
}

const now = () => Math.floor(Date.now() / 1000);

/** An Approve button's value as mesh renders it (src/slack/render/plan.ts), with some fields replaced. */
const approval = (fields: Record<string, string>) =>
  JSON.stringify({ id: 'a'.repeat(32), app: 'shop', namespace: 'shop', channel: 'C0OPS', requester: 'U0ALICE', ...fields });

function signedWithHeaders(body: string, headers: Record<string, string>, base64 = false) {
  const ts = now();
  return gatewayEvent(body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SIGNING_SECRET, ts, body), ...headers }, base64);
}

describe('bodies the door never accepts', () => {
  it('refuses a 2 MiB body with 413 before checking its signature', async () => {
    const body = slashCommandBody({ text: 'status guestbook' }) + `&padding=${'x'.repeat(2 * 1024 * 1024)}`;
    expect((await refused(() => door.raw(signedEvent(SIGNING_SECRET, body)))).status).toBe(413);
  });

  // Found by the fuzzing: Bolt threw on these (a 500 and a stack trace in the log).
  it.each([
    ['JSON content type over a form body', 'application/json', slashCommandBody({ text: 'status guestbook' })],
    ['a JSON-encoded command', 'application/json', JSON.stringify({ command: '/mesh', text: 'status guestbook', user_id: 'U0ALICE', channel_id: 'C0OPS' })],
    ['text/plain', 'text/plain', slashCommandBody({ text: 'status guestbook' })],
    ['no content type', '', slashCommandBody({ text: 'status guestbook' })],
  ])('refuses %s with 415', async (_label, contentType, body) => {
    expect(await refused(() => door.raw(signedWithHeaders(body, { 'content-type': contentType })))).toEqual({
      status: 415,
      body: { error: 'expected application/x-www-form-urlencoded' },
    });
  });

  it('refuses bad base64 from API Gateway as a bad signature (401)', async () => {
    const body = slashCommandBody({ text: 'status guestbook' });
    const garbled = { ...signedEvent(SIGNING_SECRET, body), body: '%%% not base64 @@@', isBase64Encoded: true };
    const truncated = { ...signedEvent(SIGNING_SECRET, body, { base64: true }) };
    truncated.body = truncated.body.slice(0, -7);
    const plainButFlagged = { ...signedEvent(SIGNING_SECRET, body), isBase64Encoded: true };
    for (const event of [garbled, truncated, plainButFlagged]) expect((await refused(() => door.raw(event))).status).toBe(401);
    // The same request correctly encoded is answered.
    const { result } = await door.raw(signedEvent(SIGNING_SECRET, body, { base64: true }));
    expect(result.statusCode).toBe(200);
  });

  // Found by the fuzzing: each of these reached Bolt's listeners and came back as a 500 with a stack trace.
  const payload = (value: unknown) => `payload=${encodeURIComponent(JSON.stringify(value))}`;
  const action = { type: 'button', action_id: 'mesh_restart', value: 'shop' };
  const press = { type: 'block_actions', user: { id: 'U0PLATFORM' }, channel: { id: 'C0OPS' }, response_url: 'http://127.0.0.1:9/r', actions: [action] };
  it.each([
    ['a payload that is not JSON', 'payload=%7Bnot-json'],
    ['a press without user', payload({ ...press, user: undefined })],
    ['a press whose user is a string', payload({ ...press, user: 'U0PLATFORM' })],
    ['a press without response_url', payload({ ...press, response_url: undefined })],
    ['actions that are not a list', payload({ ...press, actions: 'mesh_restart' })],
    ['an action without action_id', payload({ ...press, actions: [{ type: 'button', value: 'shop' }] })],
    ['an action whose value is an object', payload({ ...press, actions: [{ ...action, value: { namespace: 'shop' } }] })],
    ['a view submission', payload({ type: 'view_submission', user: { id: 'U0PLATFORM' }, view: {} })],
    ['a command without text', new URLSearchParams({ command: '/mesh', user_id: 'U0PLATFORM', channel_id: 'C0OPS', response_url: 'http://127.0.0.1:9/r' }).toString()],
    ['another slash command', new URLSearchParams({ command: '/deploy', text: 'x', user_id: 'U0PLATFORM', channel_id: 'C0OPS' }).toString()],
  ])('refuses %s with 400', async (_label, body) => {
    expect(await refused(() => door.raw(signedEvent(SIGNING_SECRET, body)))).toEqual({
      status: 400,
      body: { error: 'not a well-formed /mesh command or button press' },
    });
  });
});

describe('tampered button presses', () => {
  it("refuses another user's button: authorization is the presser's", async () => {
    await refused(() => door.button({ actionId: 'mesh_restart', value: 'shop', user: 'U0EVE', channel: 'C0RANDOM' }));
    expect(ephemerals.at(-1)).toMatch(/^:no_entry: Denied: you need the "restart" permission on namespace "shop"/);
  });

  it('refuses a button pressed in another channel than the one its rule names', async () => {
    const cancel = JSON.stringify({ rolloutId: 'shop.guestbook.abc123', namespace: 'shop' });
    await refused(() => door.button({ actionId: 'mesh_cancel', value: cancel, user: 'U0BOB', channel: 'C0RANDOM' }));
    expect(ephemerals.at(-1)).toMatch(/^:no_entry: Denied: you need the "cancel" permission on namespace "shop"/);
  });

  // Found while writing these cases: the namespace authorized was the button's, the one cancelled the id's.
  it('refuses a Cancel button whose namespace differs from its rollout id', async () => {
    const forged = JSON.stringify({ rolloutId: 'prod.guestbook.abc123', namespace: 'shop' });
    await refused(() => door.button({ actionId: 'mesh_cancel', value: forged, user: 'U0BOB', channel: 'C0OPS' }));
    expect(ephemerals.at(-1)).toBe(':warning: the Cancel button names another namespace than its rollout id');
  });

  it.each([
    ['an Apply button carrying another command', 'mesh_apply', 'deploy guestbook -n shop', /Apply button carries an invalid command/],
    ['an Apply button carrying shell text', 'mesh_apply', 'inject guestbook -n shop --apply; rm -rf /', /Apply button carries an invalid command/],
    ['a Restart button carrying a path', 'mesh_restart', '../kube-system', /button carries an invalid value/],
    ['a Cancel button carrying no JSON', 'mesh_cancel', 'shop.guestbook.abc123', /button carries an invalid value/],
    ['an unknown action', 'mesh_delete_everything', 'shop', /unknown button "mesh_delete_everything"/],
    ['an Approve button with a forged short id', 'mesh_approve', approval({ id: 'abc' }), /approval button carries an invalid id/],
    ['an Approve button naming a path as namespace', 'mesh_approve', approval({ namespace: '../kube-system' }), /button carries an invalid value/],
    ['an Approve button carrying no JSON', 'mesh_approve', 'approve shop', /button carries an invalid value/],
    ['an Approve button from another channel than its plan', 'mesh_approve', approval({ channel: 'C0ELSEWHERE' }), /this approval was requested in another channel; nothing was changed/],
    ['an Approve button for a namespace no policy protects', 'mesh_approve', approval({}), /namespace "shop" is not protected by the .*, so there is nothing to approve/],
    ['a requester approving their own plan', 'mesh_approve', approval({ requester: 'U0PLATFORM' }), /you requested this plan; the two-person rule needs someone else/],
  ])('refuses %s', async (_label, actionId, value, message) => {
    await refused(() => door.button({ actionId, value, user: 'U0PLATFORM', channel: 'C0OPS' }));
    expect(ephemerals.at(-1)).toMatch(message);
  });

  it('refuses a press replayed after five minutes, or altered after signing (401)', async () => {
    const replayed = await refused(() => door.button({ actionId: 'mesh_restart', value: 'shop', user: 'U0PLATFORM', channel: 'C0OPS' }, { timestamp: now() - 360 }));
    expect(replayed.status).toBe(401);
    const original = signedEvent(SIGNING_SECRET, slashCommandBody({ text: 'status guestbook', user: 'U0EVE' }));
    const altered = { ...original, body: original.body.replace('status', 'deploy') };
    expect((await refused(() => door.raw(altered))).status).toBe(401);
  });

  it('the same press, untampered, is allowed (the refusals above are not a broken door)', async () => {
    const before = door.sfn.started.length;
    await door.button({ actionId: 'mesh_restart', value: 'shop', user: 'U0PLATFORM', channel: 'C0OPS' });
    expect(door.sfn.started.length).toBe(before + 1);
  });
});

describe('after all of the above', () => {
  it('printed and sent no secret, and no stack trace', () => {
    expect(leakedSecrets(door.outputs())).toEqual([]);
    expect(door.bundle.stderr.filter((line) => /^\s+at /.test(line))).toEqual([]);
  });
});
