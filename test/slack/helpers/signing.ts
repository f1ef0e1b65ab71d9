// Builds API Gateway v2 events signed exactly as Slack signs requests (v0 HMAC-SHA256 over `v0:ts:body`).
import { signSlackRequest } from '../../../src/slack/verify';

export interface GatewayEventV2 {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: { http: { method: string; path: string } };
}

export function gatewayEvent(body: string, headers: Record<string, string>, base64 = false): GatewayEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: { http: { method: 'POST', path: '/slack/events' } },
  };
}

export function signedEvent(secret: string, body: string, options: { timestamp?: number; base64?: boolean } = {}): GatewayEventV2 {
  const ts = options.timestamp ?? Math.floor(Date.now() / 1000);
  return gatewayEvent(body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(secret, ts, body) }, options.base64);
}

export interface CommandFields {
  text: string;
  user?: string;
  channel?: string;
  responseUrl?: string;
}

export function slashCommandBody(f: CommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEAM',
    team_domain: 'mesh',
    channel_id: f.channel ?? 'C0CHANNEL',
    channel_name: 'ops',
    user_id: f.user ?? 'U0ALICE',
    user_name: 'alice',
    command: '/mesh',
    text: f.text,
    api_app_id: 'A0MESH',
    response_url: f.responseUrl ?? 'http://127.0.0.1:9/response',
    trigger_id: '1.2.3',
  }).toString();
}

export function buttonBody(f: { actionId: string; value: string; user?: string; channel?: string; responseUrl: string }): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0TEAM', domain: 'mesh' },
    user: { id: f.user ?? 'U0ALICE', username: 'alice', team_id: 'T0TEAM' },
    api_app_id: 'A0MESH',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1.000001', channel_id: f.channel ?? 'C0CHANNEL', is_ephemeral: false },
    trigger_id: '1.2.3',
    channel: { id: f.channel ?? 'C0CHANNEL', name: 'ops' },
    message: { type: 'message', ts: '1.000001', text: 'x' },
    response_url: f.responseUrl,
    actions: [{ type: 'button', action_id: f.actionId, block_id: 'b', text: { type: 'plain_text', text: 'x' }, value: f.value, action_ts: '1.5' }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
