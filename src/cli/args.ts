// Flags of every `mesh` command are parsed by node:util's parseArgs; this turns its errors into mesh's one-line
// messages that name the flag and point to the command's --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UserError(`${argumentProblem(error as Error & { code?: string })} (see mesh ${command} --help)`);
  }
}

/** parseArgs names the flag in quotes: `Unknown option '--x'`, `Option '-f, --filename <value>' argument missing`. */
function argumentProblem(error: Error & { code?: string }): string {
  const named = /'([^']*)'/.exec(error.message)?.[1]?.replace(/ <value>$/, '') ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option "${named}"`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${named}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (error.message.includes('does not take an argument')) return `option ${named} takes no value`;
      const longForm = /use '(--[^=']+)=/.exec(error.message)?.[1];
      if (longForm) return `option ${named} needs a value; to give one that starts with "-", write ${longForm}=<value>`;
      return `option ${named} needs a value`;
    }
    default:
      return error.message;
  }
}

/** `-n ""` is a forgotten value, not an empty namespace (or file, or path). */
export function refuseEmptyValues(command: string, values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === '' || (Array.isArray(value) && value.includes(''))) {
      throw new UserError(`option --${name} needs a value (see mesh ${command} --help)`);
    }
  }
}

/** A command's one positional argument (deploy's app name); more are an error. */
export function atMostOne(command: string, positionals: string[]): string | undefined {
  if (positionals.length > 1) throw new UserError(`unexpected argument "${positionals[1]}" (see mesh ${command} --help)`);
  return positionals[0];
}
