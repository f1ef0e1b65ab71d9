// Slack's own published example request ("Verifying requests from Slack", api.slack.com / docs.slack.dev): a
// slash command signed with the documentation's signing secret. Checking against Slack's vector, not one signed
// by our own signSlackRequest, proves the base string is assembled as Slack assembles it.
import { verifySlackRequest } from '../../src/slack/verify';

const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = '1531420618';
const body =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
  '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
  '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
  '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const verify = (changes: Partial<{ body: string; timestamp: string; signature: string; nowSeconds: number }> = {}) =>
  verifySlackRequest({ signingSecret, body, timestamp, signature, nowSeconds: Number(timestamp), ...changes });

/** `text` with the byte at `index` replaced by another printable byte. */
const changeByte = (text: string, index: number) =>
  text.slice(0, index) + (text[index] === 'a' ? 'b' : 'a') + text.slice(index + 1);

describe("Slack's published signing example", () => {
  it('is accepted with the clock at the request timestamp', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it.each([0, 100, body.length - 1])('is rejected with body byte %i changed', (index) => {
    expect(verify({ body: changeByte(body, index) })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('is rejected with one hex digit of the signature changed', () => {
    expect(verify({ signature: changeByte(signature, signature.length - 1) })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('is rejected with the timestamp header changed by one second (still within the window)', () => {
    expect(verify({ timestamp: '1531420619' })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('is rejected as a replay once the clock is more than five minutes past the timestamp', () => {
    expect(verify({ nowSeconds: Number(timestamp) + 301 })).toEqual({ ok: false, reason: 'stale timestamp' });
  });
});
