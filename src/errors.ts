/**
 * An error the user caused and can fix: bad input, a missing app, a refused permission.
 * Every door (CLI, console, Slack, webhook) shows `message` as one line and changes nothing.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of anything thrown (a non-Error is stringified). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
