// `/mesh help` (also `--help`, `-h` and an empty text): the front door answers it from every verb's usage and
// summary (helpText, ./command.ts) without a job.
import { defineVerb } from '../../command/verb';
import { toRequester, type VerbJob } from '../verb-job';

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

/** Help is answered by the front door; a help job (nothing sends one) says it is not a job. */
export const helpJob: VerbJob<HelpCommand> = () => ({
  kind: 'answer',
  answer: async (job, deps) => ({ ok: false, reply: toRequester(deps.reporter.messages.notAJob(job.text)) }),
});
