// Slack request signing (v0): HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret, compared in
// constant time; requests older than five minutes are replays. Shared by the fast path and the tests; Bolt
// verifies again on its own path.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_REQUEST_AGE_SECONDS = 300;

export type Verification = { ok: true } | { ok: false; reason: string };

export function signSlackRequest(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function verifySlackRequest(options: {
  signingSecret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds?: number;
}): Verification {
  const { timestamp, signature } = options;
  if (!timestamp || !signature) return { ok: false, reason: 'missing signature headers' };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return { ok: false, reason: 'invalid timestamp' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > MAX_REQUEST_AGE_SECONDS) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(signSlackRequest(options.signingSecret, ts, options.body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
