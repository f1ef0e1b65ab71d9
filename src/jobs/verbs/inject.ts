// `/mesh inject <app>`: the app's manifests with the Istio sidecar injected, as the target cluster's own Istio
// would inject them (a preview, one reply); with `--apply`, rolled out like a deploy with injection.
import { DEFAULT_NAMESPACE, validateReference, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';

export interface InjectCommand {
  kind: 'inject';
  app: string;
  namespace?: string;
  cluster?: string;
  commit?: string;
  apply: boolean;
}

declare module '../job' {
  interface VerbCommands {
    inject: InjectCommand;
  }
}

export const injectVerb = defineVerb<InjectCommand>({
  name: 'inject',
  usage: '/mesh inject <app> [-n <namespace>] [--cluster <name>] [--commit <sha>] [--apply]',
  summary: 'preview the app with the Istio sidecar injected (--apply applies it)',
  parse(words, tools) {
    const o = tools.readOptions(words, { flags: ['--apply'], namespace: true, cluster: true, commit: true });
    const app = validateReference(tools.exactlyOne(o, 'an app name'));
    return { kind: 'inject', app, ...where(o), ...(o.commit ? { commit: o.commit } : {}), apply: o.flags.has('--apply') };
  },
  format: (c) => `inject ${c.app}${whereText(c)}${c.apply ? ' --apply' : ''}`,
  permission: (c) => (c.apply ? 'inject-apply' : 'inject'),
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: (c) => c.apply,
});
