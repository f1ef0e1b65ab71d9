/**
 * Connection failures: the request never got an HTTP answer (server down, or the way to it). One list for every
 * door, so "unreachable" means the same in the rollout engine and in the named-cluster messages.
 */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET',
]);

/** The connection error code of `error` or one of its causes (up to four deep), else undefined. */
export function connectionErrorCode(error: unknown): string | undefined {
  let cause = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; cause && depth < 4; depth += 1) {
    if (typeof cause.code === 'string' && CONNECTION_ERRORS.has(cause.code)) return cause.code;
    cause = cause.cause as typeof cause;
  }
  return undefined;
}
