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
