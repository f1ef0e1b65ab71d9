// Answers from the API server, AWS and Slack are read into memory whole. A bound per answer keeps a broken or
// hostile endpoint (or anything between) from exhausting the worker's memory: past the bound the answer is
// dropped and the call fails with an error naming the limit.
import type { IncomingMessage } from 'node:http';

const MiB = 1024 * 1024;

/** API server answers: lists of a large namespace run to tens of MiB. */
export const KUBE_RESPONSE_LIMIT_BYTES = 64 * MiB;
/** AWS JSON-protocol answers (a secret, a parameter, an execution): the services' own maxima are far below. */
export const AWS_RESPONSE_LIMIT_BYTES = 4 * MiB;
/** Slack Web API and response_url answers: a few KiB in practice. */
export const SLACK_RESPONSE_LIMIT_BYTES = 4 * MiB;

export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  constructor(
    readonly from: string,
    readonly limitBytes: number,
  ) {
    super(`${from}: the response body is over the ${limitBytes % MiB === 0 ? `${limitBytes / MiB} MiB` : `${limitBytes} bytes`} limit; refused`);
  }
}

function declaredTooLarge(contentLength: string | null | undefined, limitBytes: number): boolean {
  return contentLength !== null && contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) > limitBytes;
}

/** A node:http(s) answer's body, or a ResponseTooLargeError (the socket is destroyed) once it passes `limitBytes`. */
export function readIncomingBounded(response: IncomingMessage, limitBytes: number, from: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (declaredTooLarge(response.headers['content-length'], limitBytes)) {
      response.destroy();
      reject(new ResponseTooLargeError(from, limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        response.destroy();
        reject(new ResponseTooLargeError(from, limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    response.on('error', reject);
    response.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** A fetch Response's body, or a ResponseTooLargeError (the stream is cancelled) once it passes `limitBytes`. */
export async function readFetchBounded(response: Response, limitBytes: number, from: string): Promise<Buffer> {
  if (declaredTooLarge(response.headers.get('content-length'), limitBytes)) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(from, limitBytes);
  }
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(from, limitBytes);
    }
    chunks.push(value);
  }
}

/** `fetch` whose answers are read whole within `limitBytes` before the caller sees them (for clients that read bodies themselves). */
export function boundedFetch(fetchFn: typeof fetch, limitBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetchFn(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = await readFetchBounded(response, limitBytes, new URL(url).host);
    const nullBody = [101, 204, 205, 304].includes(response.status);
    return new Response(nullBody ? null : new Uint8Array(body), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
