// A loopback stand-in for the Slack Web API (and response_url, file uploads), used by the local console and
// the tests: it records every call and keeps messages with their threads and in-place updates. An optional
// intercept may answer a request first (the tests' outages and rate limits, test/support/slack-faults.ts).
// Slack is faked only at this HTTP boundary.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Block } from './render/blocks';
import { missingScope, shippedManifestScopes } from './scopes';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
}

export interface StandinMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks?: Block[];
  /** How many times chat.update replaced it. */
  updates: number;
}

export type StandinEvent =
  | { type: 'post'; message: StandinMessage }
  | { type: 'update'; message: StandinMessage }
  | { type: 'ephemeral'; channel: string; user?: string; text: string; blocks?: Block[] }
  | { type: 'file'; channel: string; threadTs?: string; filename: string; title: string; content: string };

/** A request as an intercept sees it. */
export interface StandinRequest {
  endpoint: 'api' | 'upload' | 'response_url' | 'other';
  /** The Web API method (`chat.postMessage`, …) for endpoint `api`, else the endpoint. */
  name: string;
}

/**
 * Sees every request before the stand-in handles it. To answer it itself it writes `res` and returns a word for
 * the record (`calls` gets `<name> (<word>)`, and nothing else happens); undefined lets the stand-in answer.
 */
export type StandinIntercept = (request: StandinRequest, res: ServerResponse) => string | undefined;

export interface StandinOptions {
  /** The bot token's scopes (default: those infra/slack/manifest.yaml requests); methods they do not cover answer missing_scope. */
  scopes?: readonly string[];
  intercept?: StandinIntercept;
}

export interface SlackStandin {
  /** Base for `slackApiUrl`, ending in `/api/`. */
  apiUrl: string;
  /** The scopes it enforces, as Slack does for the installed app's token; undefined when none are known (not enforced). */
  scopes: readonly string[] | undefined;
  /** A fresh response_url for one command in `channel`. */
  responseUrl(channel: string): string;
  calls: RecordedCall[];
  messages: StandinMessage[];
  events: EventEmitter;
  /** Group memberships answered by usergroups.users.list. */
  userGroups: Record<string, string[]>;
  close(): Promise<void>;
}

const JSON_FIELDS = new Set(['blocks', 'files', 'attachments']);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseArgs(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
    args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

function uploadedContent(raw: Buffer): string {
  // multipart/form-data with one part: keep what is between the part headers and the closing boundary.
  const text = raw.toString('utf8');
  const start = text.indexOf('\r\n\r\n');
  const end = text.lastIndexOf('\r\n--');
  return start >= 0 && end > start ? text.slice(start + 4, end) : text;
}

function standinRequest(url: string): StandinRequest {
  if (url.startsWith('/api/')) return { endpoint: 'api', name: url.slice('/api/'.length).split('?')[0]! };
  if (url.startsWith('/upload/')) return { endpoint: 'upload', name: 'upload' };
  if (url.startsWith('/response/')) return { endpoint: 'response_url', name: 'response_url' };
  return { endpoint: 'other', name: url.split('?')[0]! };
}

export async function startSlackStandin(options: StandinOptions = {}): Promise<SlackStandin> {
  const scopes = options.scopes ?? shippedManifestScopes();
  const events = new EventEmitter();
  const calls: RecordedCall[] = [];
  const messages: StandinMessage[] = [];
  const uploads = new Map<string, { filename: string; content?: string }>();
  let clock = 1_700_000_000_000;
  let ids = 0;
  const nextTs = () => {
    clock = Math.max(clock + 1, Date.now() * 1000);
    return `${Math.floor(clock / 1e6)}.${String(clock % 1e6).padStart(6, '0')}`;
  };

  const post = (args: Record<string, unknown>): Record<string, unknown> => {
    const channel = String(args.channel);
    const message: StandinMessage = {
      channel,
      ts: nextTs(),
      text: String(args.text ?? ''),
      ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
      ...(args.blocks ? { blocks: args.blocks as Block[] } : {}),
      updates: 0,
    };
    messages.push(message);
    events.emit('event', { type: 'post', message } satisfies StandinEvent);
    return { ok: true, channel, ts: message.ts };
  };

  const api = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channel = String(args.channel ?? args.channel_id ?? '');
    const refused = scopes && missingScope(method, scopes);
    if (refused) return refused;
    switch (method) {
      case 'chat.postMessage':
        return post({ ...args, channel });
      case 'chat.update': {
        const message = messages.find((m) => m.channel === channel && m.ts === args.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        Object.assign(message, { text: String(args.text ?? ''), blocks: args.blocks as Block[] | undefined, updates: message.updates + 1 });
        events.emit('event', { type: 'update', message } satisfies StandinEvent);
        return { ok: true, channel, ts: message.ts };
      }
      case 'chat.postEphemeral':
        events.emit('event', { type: 'ephemeral', channel, user: String(args.user), text: String(args.text ?? ''), blocks: args.blocks as Block[] } satisfies StandinEvent);
        return { ok: true, message_ts: nextTs() };
      case 'files.getUploadURLExternal': {
        const id = `F${String(++ids).padStart(8, '0')}`;
        uploads.set(id, { filename: String(args.filename) });
        return { ok: true, file_id: id, upload_url: `${apiUrl.replace(/api\/$/, '')}upload/${id}` };
      }
      case 'files.completeUploadExternal': {
        const files = args.files as { id: string; title?: string }[];
        for (const file of files) {
          const upload = uploads.get(file.id);
          if (!upload || upload.content === undefined) return { ok: false, error: 'file_not_found' };
          const threadTs = args.thread_ts ? String(args.thread_ts) : undefined;
          events.emit('event', {
            type: 'file', channel, filename: upload.filename, title: file.title ?? upload.filename, content: upload.content,
            ...(threadTs ? { threadTs } : {}),
          } satisfies StandinEvent);
        }
        return { ok: true, files: files.map((f) => ({ id: f.id })) };
      }
      case 'usergroups.users.list':
        return { ok: true, users: standin.userGroups[String(args.usergroup)] ?? [] };
      case 'auth.test':
        return { ok: true, user_id: 'U0MESHBOT', bot_id: 'B0MESHBOT', team_id: 'T0LOCAL' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const url = req.url ?? '/';
    const request = standinRequest(url);
    const intercepted = options.intercept?.(request, res);
    if (intercepted !== undefined) {
      calls.push({ method: `${request.name} (${intercepted})`, args: {}, at: Date.now() });
      return;
    }
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (request.endpoint === 'api') {
      const method = request.name;
      const args = parseArgs(req, raw);
      calls.push({ method, args, at: Date.now() });
      send(200, api(method, args));
    } else if (request.endpoint === 'upload') {
      const upload = uploads.get(url.slice('/upload/'.length));
      if (!upload) return send(404, { ok: false });
      upload.content = uploadedContent(raw);
      calls.push({ method: 'upload', args: { filename: upload.filename, bytes: raw.length }, at: Date.now() });
      res.writeHead(200).end('OK');
    } else if (request.endpoint === 'response_url') {
      const args = parseArgs(req, raw);
      calls.push({ method: 'response_url', args, at: Date.now() });
      const channel = url.slice('/response/'.length).split('?')[0]!;
      // A response_url needs no scope: post the in-channel reply as Slack does, not as a Web API call.
      if (args.response_type === 'in_channel') post({ ...args, channel });
      else events.emit('event', { type: 'ephemeral', channel, text: String(args.text ?? ''), blocks: args.blocks as Block[] } satisfies StandinEvent);
      res.writeHead(200).end('ok');
    } else {
      send(404, { ok: false, error: 'not_found' });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  let responses = 0;
  const standin: SlackStandin = {
    apiUrl,
    scopes,
    responseUrl: (channel) => `${apiUrl.replace(/api\/$/, '')}response/${channel}?n=${++responses}`,
    calls,
    messages,
    events,
    userGroups: {},
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standin;
}
