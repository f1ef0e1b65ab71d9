// `/mesh status <app>`: the app's latest rollout, stage by stage, as the cluster shows it.
import { DEFAULT_NAMESPACE, validateDnsLabel, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';

export interface StatusCommand {
  kind: 'status';
  app: string;
  namespace?: string;
  cluster?: string;
}

declare module '../job' {
  interface VerbCommands {
    status: StatusCommand;
  }
}

export const statusVerb = defineVerb<StatusCommand>({
  name: 'status',
  usage: '/mesh status <app> [-n <namespace>] [--cluster <name>]',
  summary: 'show the latest rollout of the app',
  parse(words, tools) {
    const o = tools.readOptions(words, { namespace: true, cluster: true });
    const app = validateDnsLabel(tools.exactlyOne(o, 'an app name'), 'app');
    return { kind: 'status', app, ...where(o) };
  },
  format: (c) => `status ${c.app}${whereText(c)}`,
  permission: () => 'status',
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: () => false,
});
