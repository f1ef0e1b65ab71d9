// `/mesh help` (also `--help`, `-h` and an empty text): the front door answers it from every verb's usage and
// summary (helpText, ./command.ts) without a job.
import { defineVerb } from '../../command/verb';

export interface HelpCommand {
  kind: 'help';
}

declare module '../job' {
  interface VerbCommands {
    help: HelpCommand;
  }
}

export const helpVerb = defineVerb<HelpCommand>({
  name: 'help',
  aliases: ['--help', '-h'],
  usage: '/mesh help',
  summary: 'show this help',
  parse(words, tools) {
    if (words.length > 0) tools.failWithUsage('"help" takes no arguments');
    return { kind: 'help' };
  },
  format: () => 'help',
  permission: () => 'help',
  namespace: () => undefined,
  actsOnApp: () => true,
  changesCluster: () => false,
});
