// `/mesh shift <app>[.<service>] v2=20`: that share of the Service's traffic routed to the version's subset, through
// the same plan → approval path as a deploy (src/jobs/traffic.ts), made at once and recorded in the history.
import { DEFAULT_NAMESPACE, parseWeights, validateReference, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import type { VerbJob } from '../verb-job';

export interface ShiftCommand {
  kind: 'shift';
  app: string;
  weights: Record<string, number>;
  namespace?: string;
  cluster?: string;
  plan?: boolean;
}

declare module '../job' {
  interface VerbCommands {
    shift: ShiftCommand;
  }
}

const WEIGHT_WORD = /^[^-][^=]*=[^=]*$/;

export const shiftVerb = defineVerb<ShiftCommand>({
  name: 'shift',
  usage: '/mesh shift <app>[.<service>] <subset>=<percent>… [-n <namespace>] [--cluster <name>] [--plan]',
  summary: "route that share of the Service's traffic to the version's subset (v2=20: 20% to version v2, the rest to the other), undone by rollback",
  parse(words, tools) {
    const weightWords = words.filter((w) => WEIGHT_WORD.test(w));
    const o = tools.readOptions(words.filter((w) => !WEIGHT_WORD.test(w)), { flags: ['--plan'], namespace: true, cluster: true });
    const app = validateReference(tools.exactlyOne(o, 'an app name'));
    if (weightWords.length === 0) tools.failWithUsage('"shift" needs weights, e.g. v2=20');
    const weights = parseWeights(weightWords);
    if (!weights.ok) return tools.failWithUsage(weights.error);
    return { kind: 'shift', app, weights: weights.weights, ...where(o), ...(o.flags.has('--plan') ? { plan: true } : {}) };
  },
  format: (c) => `shift ${c.app} ${Object.entries(c.weights).map(([s, w]) => `${s}=${w}`).join(' ')}${whereText(c)}${c.plan ? ' --plan' : ''}`,
  permission: (c) => (c.plan ? 'plan' : 'shift'),
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: (c) => !c.plan,
});

export const shiftJob: VerbJob<ShiftCommand> = () => ({
  kind: 'prepare',
  async prepare(job, deps) {
    const traffic = await import('../traffic');
    const { publisher } = await import('../safe-deploy');
    return traffic.trafficJob(job, deps, await traffic.shiftTargetOf(job, deps), { weights: job.command.weights }, { planOnly: job.command.plan === true, publish: publisher(job, deps) });
  },
});
