// A small Slack Web API client over fetch, bounded for Lambda: 429s are retried after `Retry-After`, network
// errors and 5xx with backoff, all within a total time budget; past it the call fails with SlackUnavailable
// so the caller keeps its state and tries later. (Bolt's WebClient defaults to ~30 minutes of retries.)

export class SlackApiError extends Error {
  override name = 'SlackApiError';
  constructor(readonly method: string, readonly code: string) {
    super(`Slack ${method} failed: ${code}`);
  }
}

export class SlackUnavailableError extends Error {
  override name = 'SlackUnavailableError';
  /** When Slack rate-limited the call: the time (ms, the client's clock) before which it asked not to be called. */
  retryAt?: number;
}

export interface SlackApiOptions {
  token: string;
  /** Base URL ending in `/`, e.g. the console's loopback stand-in. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Budget for one call including every retry. */
  totalTimeoutMs?: number;
  requestTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface SlackApi {
  call<T = Record<string, unknown>>(method: string, args: Record<string, unknown>): Promise<T>;
  /** POSTs JSON to a response_url (ephemeral replies, at most 5 per command). */
  respond(responseUrl: string, body: Record<string, unknown>): Promise<void>;
  /** Uploads bytes to a URL from files.getUploadURLExternal. */
  upload(uploadUrl: string, bytes: Buffer, filename: string): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function formEncode(args: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    form.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return form.toString();
}

export function slackApi(options: SlackApiOptions): SlackApi {
  const base = options.baseUrl ?? 'https://slack.com/api/';
  const fetchFn = options.fetch ?? globalThis.fetch;
  const total = options.totalTimeoutMs ?? 10_000;
  const perRequest = options.requestTimeoutMs ?? 3_000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;

  /** Sends until a definitive answer; returns the response of the first non-retryable attempt. */
  async function send(label: string, url: string, init: RequestInit): Promise<Response> {
    const deadline = now() + total;
    let backoff = 250;
    for (let attempt = 1; ; attempt += 1) {
      let waitMs: number;
      let why: string;
      try {
        const response = await fetchFn(url, { ...init, signal: AbortSignal.timeout(perRequest) });
        if (response.status === 429) {
          const retryAfter = Number(response.headers.get('retry-after'));
          waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000;
          why = `rate limited (Retry-After ${waitMs / 1000}s)`;
        } else if (response.status >= 500) {
          waitMs = backoff;
          why = `HTTP ${response.status}`;
        } else {
          return response;
        }
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        waitMs = backoff;
        why = (error as Error).name === 'TimeoutError' ? 'timed out' : `unreachable (${(error as Error).message})`;
      }
      if (now() + waitMs > deadline) {
        const error = new SlackUnavailableError(`Slack ${label}: ${why}; gave up after ${attempt} attempt(s)`);
        if (why.startsWith('rate limited')) error.retryAt = now() + waitMs;
        throw error;
      }
      await sleep(waitMs);
      backoff = Math.min(backoff * 2, 4000);
    }
  }

  return {
    async call<T>(method: string, args: Record<string, unknown>): Promise<T> {
      const response = await send(method, `${base}${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: formEncode(args),
      });
      const body = (await response.json().catch(() => ({ ok: false, error: `invalid_response_http_${response.status}` }))) as {
        ok?: boolean;
        error?: string;
      };
      if (!body.ok) throw new SlackApiError(method, body.error ?? 'unknown_error');
      return body as T;
    },
    async respond(responseUrl, body) {
      const response = await send('response_url', responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new SlackApiError('response_url', `http_${response.status}`);
    },
    async upload(uploadUrl, bytes, filename) {
      const form = new FormData();
      form.set('filename', new Blob([new Uint8Array(bytes)]), filename);
      const response = await send('file upload', uploadUrl, { method: 'POST', body: form });
      if (!response.ok) throw new SlackApiError('file upload', `http_${response.status}`);
    },
  };
}

/** Slack's current upload flow: get an upload URL, send the bytes, then complete (shares it into the channel). */
export async function uploadFile(
  api: SlackApi,
  file: { filename: string; title: string; content: string; channel: string; threadTs?: string },
): Promise<string> {
  const bytes = Buffer.from(file.content, 'utf8');
  const { upload_url: uploadUrl, file_id: fileId } = await api.call<{ upload_url: string; file_id: string }>('files.getUploadURLExternal', {
    filename: file.filename,
    length: String(bytes.length),
  });
  await api.upload(uploadUrl, bytes, file.filename);
  await api.call('files.completeUploadExternal', {
    files: [{ id: fileId, title: file.title }],
    channel_id: file.channel,
    ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
  });
  return fileId;
}
