// The Slack Web API for the worker and the console: method calls through @slack/web-api's WebClient, bounded
// for Lambda by one budget of mesh's own. WebClient retries nothing itself and rejects a 429 at once
// (`rejectRateLimitedCalls`; its own wait on a 429 is not bounded by `maxRetryTime`): 429s are retried here
// after `Retry-After`, network errors, timeouts and 5xx with backoff, all within a total time budget; past it
// the call fails with SlackUnavailable so the caller (the job's notify phase) keeps its state and tries later.
// response_url posts and file uploads are plain HTTP POSTs under the same budget.
import { ErrorCode, LogLevel, WebClient, type WebAPICallError } from '@slack/web-api';
import { boundedFetch, ResponseTooLargeError, SLACK_RESPONSE_LIMIT_BYTES } from '../bounded-body';
import { isLoopbackHost } from '../loopback';

export class SlackApiError extends Error {
  override name = 'SlackApiError';
  constructor(readonly method: string, readonly code: string, detail?: string) {
    super(`Slack ${method} failed: ${code}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * The hosts Slack gives response_urls on (slash commands and interactivity): Slack, and GovSlack. A reply
 * carries what a command showed, so it goes nowhere else.
 */
export const SLACK_RESPONSE_URL_HOSTS: readonly string[] = ['hooks.slack.com', 'hooks.slack-gov.com'];

/**
 * Why `responseUrl` is not one to post to, or undefined when it is: https on a Slack host; a loopback URL only
 * when the Web API itself is a loopback stand-in (`apiBaseUrl`, the console and the tests).
 */
export function refusedResponseUrl(responseUrl: string, apiBaseUrl?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(responseUrl);
  } catch {
    return 'it is not a URL';
  }
  if (url.protocol === 'https:' && SLACK_RESPONSE_URL_HOSTS.includes(url.hostname)) return undefined;
  const standin = apiBaseUrl !== undefined && isLoopbackHost(new URL(apiBaseUrl).hostname);
  if (standin && isLoopbackHost(url.hostname)) return undefined;
  return `${url.protocol}//${url.host} is not a Slack host (${SLACK_RESPONSE_URL_HOSTS.map((h) => `https://${h}`).join(', ')})`;
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

/** What one attempt came to: a result, or a reason to try again (after `waitMs`, else the current backoff). */
type Attempt<T> = { result: T } | { retry: string; waitMs?: number };

function rateLimited<T>(retryAfterSeconds: number): Attempt<T> {
  const waitMs = Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : 1000;
  return { retry: `rate limited (Retry-After ${waitMs / 1000}s)`, waitMs };
}

function unreachable<T>(error: Error): Attempt<T> {
  return { retry: error.name === 'TimeoutError' ? 'timed out' : `unreachable (${error.message})` };
}

/** A Web API method's failure: retried, or a SlackApiError naming Slack's error code. */
function classifyCallError<T>(method: string, error: unknown): Attempt<T> {
  const failure = error as WebAPICallError | Error;
  switch ('code' in failure ? failure.code : undefined) {
    case ErrorCode.PlatformError:
      throw new SlackApiError(method, (failure as Extract<WebAPICallError, { code: ErrorCode.PlatformError }>).data.error);
    case ErrorCode.RateLimitedError:
      return rateLimited((failure as Extract<WebAPICallError, { code: ErrorCode.RateLimitedError }>).retryAfter);
    case ErrorCode.HTTPError: {
      const http = failure as Extract<WebAPICallError, { code: ErrorCode.HTTPError }>;
      if (http.statusCode >= 500) return { retry: `HTTP ${http.statusCode}` };
      throw new SlackApiError(method, errorInBody(http.body) ?? `invalid_response_http_${http.statusCode}`);
    }
    case ErrorCode.RequestError: {
      const original = (failure as Extract<WebAPICallError, { code: ErrorCode.RequestError }>).original;
      // An answer over the bound is refused, not retried: the next one would be as large.
      if (original instanceof ResponseTooLargeError) throw new SlackApiError(method, 'response_too_large', original.message);
      return unreachable(original);
    }
    default:
      // WebClient rejects a 429 without a usable Retry-After with a plain error; Slack's 429s always carry one.
      if (/^Retry header did not contain/.test(failure.message)) return rateLimited(1);
      if (failure instanceof SyntaxError) throw new SlackApiError(method, 'invalid_response_http_200');
      throw failure;
  }
}

function errorInBody(body: unknown): string | undefined {
  try {
    const parsed = JSON.parse(String(body)) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

export function slackApi(options: SlackApiOptions): SlackApi {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const total = options.totalTimeoutMs ?? 10_000;
  const perRequest = options.requestTimeoutMs ?? 3_000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const client = new WebClient(options.token, {
    slackApiUrl: options.baseUrl ?? 'https://slack.com/api/',
    logLevel: LogLevel.ERROR,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: perRequest,
    allowAbsoluteUrls: false,
    fetch: boundedFetch(fetchFn, SLACK_RESPONSE_LIMIT_BYTES),
  });

  /** Attempts until a result or a definitive failure, within the total budget. */
  async function withinBudget<T>(label: string, attempt: () => Promise<Attempt<T>>): Promise<T> {
    const deadline = now() + total;
    let backoff = 250;
    for (let count = 1; ; count += 1) {
      const outcome = await attempt();
      if ('result' in outcome) return outcome.result;
      const waitMs = outcome.waitMs ?? backoff;
      if (now() + waitMs > deadline) {
        const error = new SlackUnavailableError(`Slack ${label}: ${outcome.retry}; gave up after ${count} attempt(s)`);
        // A Retry-After longer than this call's budget: the notifier must not call again before it is over.
        if (outcome.retry.startsWith('rate limited')) error.retryAt = now() + waitMs;
        throw error;
      }
      await sleep(waitMs);
      backoff = Math.min(backoff * 2, 4000);
    }
  }

  /** A plain POST (response_url, upload URL): 2xx is done, 429 and 5xx are retried, anything else fails. */
  function post(label: string, url: string, init: RequestInit): Promise<void> {
    return withinBudget(label, async () => {
      let response: Response;
      try {
        response = await fetchFn(url, { ...init, signal: AbortSignal.timeout(perRequest) });
      } catch (error) {
        return unreachable(error as Error);
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 429) return rateLimited(Number(response.headers.get('retry-after')));
      if (response.status >= 500) return { retry: `HTTP ${response.status}` };
      if (!response.ok) throw new SlackApiError(label, `http_${response.status}`);
      return { result: undefined };
    });
  }

  return {
    call<T>(method: string, args: Record<string, unknown>): Promise<T> {
      return withinBudget(method, async () => {
        try {
          return { result: (await client.apiCall(method, args)) as T };
        } catch (error) {
          return classifyCallError<T>(method, error);
        }
      });
    },
    respond(responseUrl, body) {
      const refused = refusedResponseUrl(responseUrl, options.baseUrl);
      if (refused) return Promise.reject(new SlackApiError('response_url', 'not_a_slack_url', `refused: ${refused}`));
      return post('response_url', responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    upload(uploadUrl, bytes, filename) {
      const form = new FormData();
      form.set('filename', new Blob([new Uint8Array(bytes)]), filename);
      return post('file upload', uploadUrl, { method: 'POST', body: form });
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
