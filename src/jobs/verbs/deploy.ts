// `/mesh deploy <app>`: the app rolled out stage by stage (`--plan`: only what would change), through the shared
// plan → approval → rollout pipeline of src/jobs/safe-deploy.ts.
import { DEFAULT_NAMESPACE, validateReference, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';

export interface DeployCommand {
  kind: 'deploy';
  app: string;
  namespace?: string;
  cluster?: string;
  commit?: string;
  inject: boolean;
  plan?: boolean;
}

declare module '../job' {
  interface VerbCommands {
    deploy: DeployCommand;
  }
}

export const deployVerb = defineVerb<DeployCommand>({
  name: 'deploy',
  usage: '/mesh deploy <app> [-n <namespace>] [--cluster <name>] [--commit <sha>] [--inject] [--plan]',
  summary: 'roll the app out stage by stage, with live progress here (--inject adds sidecars, --plan only shows what would change)',
  parse(words, tools) {
    const o = tools.readOptions(words, { flags: ['--inject', '--plan'], namespace: true, cluster: true, commit: true });
    const app = validateReference(tools.exactlyOne(o, 'an app name'));
    return { kind: 'deploy', app, ...where(o), ...(o.commit ? { commit: o.commit } : {}), inject: o.flags.has('--inject'), ...(o.flags.has('--plan') ? { plan: true } : {}) };
  },
  format: (c) => `deploy ${c.app}${whereText(c)}${c.inject ? ' --inject' : ''}${c.plan ? ' --plan' : ''}`,
  permission: (c) => (c.plan ? 'plan' : 'deploy'),
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: (c) => !c.plan,
});
