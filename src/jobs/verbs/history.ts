// `/mesh history <app>`: the app's recorded revisions (who, when, commit, outcome, approvals, traffic shifts).
import { DEFAULT_NAMESPACE, validateDnsLabel, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';

export interface HistoryCommand {
  kind: 'history';
  app: string;
  namespace?: string;
  cluster?: string;
}

declare module '../job' {
  interface VerbCommands {
    history: HistoryCommand;
  }
}

export const historyVerb = defineVerb<HistoryCommand>({
  name: 'history',
  usage: '/mesh history <app> [-n <namespace>] [--cluster <name>]',
  summary: 'list the recorded revisions of the app (who, when, commit, outcome, approvals)',
  parse(words, tools) {
    const o = tools.readOptions(words, { namespace: true, cluster: true });
    const app = validateDnsLabel(tools.exactlyOne(o, 'an app name'), 'app');
    return { kind: 'history', app, ...where(o) };
  },
  format: (c) => `history ${c.app}${whereText(c)}`,
  permission: () => 'history',
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: () => false,
});
