// `/mesh rollback <app>`: an earlier revision deployed again (default: the last one that succeeded before the
// current), deleting what newer ones added — or, when that revision is a traffic shift, its routes restored.
import { DEFAULT_NAMESPACE, validateDnsLabel, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';

export interface RollbackCommand {
  kind: 'rollback';
  app: string;
  namespace?: string;
  cluster?: string;
  to?: number;
  plan?: boolean;
}

declare module '../job' {
  interface VerbCommands {
    rollback: RollbackCommand;
  }
}

export const rollbackVerb = defineVerb<RollbackCommand>({
  name: 'rollback',
  usage: '/mesh rollback <app> [-n <namespace>] [--cluster <name>] [--to <revision>] [--plan]',
  summary: 'deploy an earlier revision again (default: the last one that succeeded before the current), deleting what newer ones added',
  parse(words, tools) {
    const o = tools.readOptions(words, { flags: ['--plan'], namespace: true, cluster: true, revision: true });
    const app = validateDnsLabel(tools.exactlyOne(o, 'an app name'), 'app');
    return { kind: 'rollback', app, ...where(o), ...(o.revision !== undefined ? { to: o.revision } : {}), ...(o.flags.has('--plan') ? { plan: true } : {}) };
  },
  format: (c) => `rollback ${c.app}${whereText(c)}${c.to !== undefined ? ` --to ${c.to}` : ''}${c.plan ? ' --plan' : ''}`,
  permission: (c) => (c.plan ? 'plan' : 'rollback'),
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  // Even with --plan (the protections travel with the job; a plan only shows them).
  changesCluster: () => true,
});
