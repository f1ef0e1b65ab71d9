// isomorphic-git's HTTP plugin on Node's own fetch: a deadline per request, a cap on the bytes a fetch may
// download (a repository over the size limit stops mid-transfer), and no redirects (only the registered
// URL is ever contacted).
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

export class GitTransferLimitError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the repository sent more than ${limitBytes} bytes`);
  }
}

export class GitRedirectError extends Error {
  constructor(readonly location: string) {
    super(`the server redirected to ${location}`);
  }
}

const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

async function* concat(body: AsyncIterableIterator<Uint8Array> | undefined): AsyncGenerator<Uint8Array> {
  if (body) yield* body;
}

export interface HttpLimits {
  timeoutMs: number;
  maxBytes: number;
}

export function limitedHttp(limits: HttpLimits): HttpClient & { received: () => number } {
  let received = 0;
  return {
    received: () => received,
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      let body: Uint8Array | undefined;
      if (request.body) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of concat(request.body)) chunks.push(chunk);
        body = Buffer.concat(chunks);
      }
      const send = () =>
        fetch(request.url, {
          method: request.method ?? 'GET',
          headers: request.headers ?? {},
          ...(body ? { body } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(limits.timeoutMs),
        });
      // A keep-alive connection the server closed just as it was reused fails at once; Git's smart HTTP
      // requests only read, so sending one again on a fresh connection is safe.
      const response = await send().catch((error: unknown) => {
        if (!STALE_CONNECTION.has((error as { cause?: { code?: string } }).cause?.code ?? '')) throw error;
        return send();
      });
      if (response.status >= 300 && response.status < 400) {
        throw new GitRedirectError(response.headers.get('location') ?? '(no location)');
      }
      const reader = response.body?.getReader();
      async function* stream(): AsyncGenerator<Uint8Array> {
        if (!reader) return;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value.byteLength;
          if (received > limits.maxBytes) {
            await reader.cancel().catch(() => undefined);
            throw new GitTransferLimitError(limits.maxBytes);
          }
          yield value;
        }
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        headers[key] = value;
      });
      return {
        url: response.url || request.url,
        method: request.method ?? 'GET',
        statusCode: response.status,
        statusMessage: response.statusText,
        headers,
        body: stream() as AsyncIterableIterator<Uint8Array>,
      };
    },
  };
}
