// API Gateway (HTTP API v2 or REST v1) events as Slack requests: raw body, lower-cased headers, form fields.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

export interface GatewayEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined> | null;
}

export interface SlackHttpRequest {
  rawBody: string;
  headers: Record<string, string>;
}

export function readGatewayEvent(event: GatewayEvent | APIGatewayProxyEventV2): SlackHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  const body = event.body ?? '';
  // Bolt decodes base64 bodies as ASCII; slash commands are form-urlencoded, so ASCII is exact.
  const rawBody = event.isBase64Encoded ? Buffer.from(body, 'base64').toString('ascii') : body;
  return { rawBody, headers };
}

/** Slash commands arrive as flat form fields; buttons as form field `payload` holding JSON. */
export function formFields(request: SlackHttpRequest): Record<string, string> | undefined {
  if (!(request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return undefined;
  return Object.fromEntries(new URLSearchParams(request.rawBody));
}

export type LambdaResult = Exclude<APIGatewayProxyResultV2, string>;

export function jsonResult(statusCode: number, body: unknown): LambdaResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * Why verified form fields are not a request this app receives (a `/mesh` slash command or a button press,
 * shaped as Slack sends them), or undefined when they are. Bolt's listeners assume that shape and throw
 * (a 500) on anything else.
 */
export function malformedSlackRequest(fields: Record<string, string>): string | undefined {
  if (fields.payload === undefined) {
    if (fields.command !== '/mesh') return 'not a /mesh command';
    const missing = ['text', 'user_id', 'channel_id', 'response_url'].find((name) => fields[name] === undefined);
    return missing ? `command without ${missing}` : undefined;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(fields.payload);
  } catch {
    return 'payload is not JSON';
  }
  if (!isRecord(payload) || payload.type !== 'block_actions') return 'payload is not a block_actions button press';
  if (!isRecord(payload.user) || !isString(payload.user.id)) return 'button press without user';
  if (!isString(payload.response_url)) return 'button press without response_url';
  if (payload.channel !== undefined && !(isRecord(payload.channel) && isString(payload.channel.id))) return 'button press with a malformed channel';
  const actions = payload.actions;
  if (!Array.isArray(actions) || actions.length === 0) return 'button press without actions';
  const wellFormed = (a: unknown) => isRecord(a) && isString(a.type) && isString(a.action_id) && (a.value === undefined || isString(a.value));
  return actions.every(wellFormed) ? undefined : 'button press with a malformed action';
}
