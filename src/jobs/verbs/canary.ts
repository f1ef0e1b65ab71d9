// `/mesh canary <app>[.<service>] --to v2`: traffic moved to the subset step by step, each step judged by its gates
// (readiness, the app's Prometheus metrics); a failed gate or Cancel puts all traffic back.
import { DEFAULT_NAMESPACE, parseDuration, parseSteps, validateDnsLabel, validateReference, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';

export interface CanaryCommand {
  kind: 'canary';
  app: string;
  to: string;
  steps?: number[];
  intervalSeconds?: number;
  namespace?: string;
  cluster?: string;
}

declare module '../job' {
  interface VerbCommands {
    canary: CanaryCommand;
  }
}

export const canaryVerb = defineVerb<CanaryCommand>({
  name: 'canary',
  usage: '/mesh canary <app>[.<service>] --to <subset> [--steps 10,25,50,100] [--interval 2m] [-n <namespace>] [--cluster <name>]',
  summary: 'move traffic to the subset step by step, judging readiness (and the app\'s Prometheus metrics) at each step; a failed gate or Cancel puts all traffic back',
  parse(words, tools) {
    const { values, others } = tools.takeValueFlags(words, ['--to', '--steps', '--interval']);
    const o = tools.readOptions(others, { namespace: true, cluster: true });
    const app = validateReference(tools.exactlyOne(o, 'an app name'));
    if (values['--to'] === undefined) tools.failWithUsage('"canary" needs --to <subset>, the version to move traffic to');
    const to = validateDnsLabel(values['--to'], 'subset');
    const steps = values['--steps'] === undefined ? undefined : parseSteps(values['--steps']);
    const interval = values['--interval'] === undefined ? undefined : parseDuration(values['--interval']);
    return { kind: 'canary', app, to, ...(steps ? { steps } : {}), ...(interval !== undefined ? { intervalSeconds: interval } : {}), ...where(o) };
  },
  format: (c) => `canary ${c.app} --to ${c.to}${c.steps ? ` --steps ${c.steps.join(',')}` : ''}${c.intervalSeconds !== undefined ? ` --interval ${c.intervalSeconds}s` : ''}${whereText(c)}`,
  permission: () => 'canary',
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: () => true,
});
