// `/mesh apps`: the registry's apps, where each comes from, its limits, and what is deployed where.
import { defineVerb } from '../../command/verb';

export interface AppsCommand {
  kind: 'apps';
}

declare module '../job' {
  interface VerbCommands {
    apps: AppsCommand;
  }
}

export const appsVerb = defineVerb<AppsCommand>({
  name: 'apps',
  usage: '/mesh apps',
  summary: 'list the apps, where each comes from and what is deployed where',
  parse(words, tools) {
    const o = tools.readOptions(words, {});
    if (o.positionals.length > 0) tools.failWithUsage('"apps" takes no arguments');
    return { kind: 'apps' };
  },
  format: () => 'apps',
  permission: () => 'apps',
  namespace: () => undefined,
  actsOnApp: () => true,
  changesCluster: () => false,
});
