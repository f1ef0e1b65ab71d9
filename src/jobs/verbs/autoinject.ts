// `/mesh autoinject enable|disable|status <namespace>`: the namespace's sidecar auto-injection, on every app of it.
import { didYouMean, validateDnsLabel } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { kindSlashName } from '../../object-name';
import type { JobDeps } from '../state';
import type { Answered, CommandJob, VerbJob } from '../verb-job';

export type AutoinjectAction = 'enable' | 'disable' | 'status';

export interface AutoinjectCommand {
  kind: 'autoinject';
  action: AutoinjectAction;
  namespace: string;
}

declare module '../job' {
  interface VerbCommands {
    autoinject: AutoinjectCommand;
  }
}

const ACTIONS: AutoinjectAction[] = ['enable', 'disable', 'status'];

export const autoinjectVerb = defineVerb<AutoinjectCommand>({
  name: 'autoinject',
  usage: '/mesh autoinject enable|disable|status <namespace>',
  summary: 'turn namespace sidecar auto-injection on or off, or show it',
  parse(words, tools) {
    const [action, ...args] = words;
    if (action === undefined) tools.failWithUsage('"autoinject" needs enable, disable or status');
    if (!(ACTIONS as string[]).includes(action)) tools.failWithUsage(`unknown autoinject action "${action}"${didYouMean(action, ACTIONS)}`);
    const o = tools.readOptions(args, { namespace: true });
    if (o.namespace !== undefined) o.positionals.push(o.namespace);
    const namespace = validateDnsLabel(tools.exactlyOne(o, 'a namespace'), 'namespace');
    return { kind: 'autoinject', action: action as AutoinjectAction, namespace };
  },
  format: (c) => `autoinject ${c.action} ${c.namespace}`,
  permission: (c) => (c.action === 'status' ? 'autoinject-status' : 'autoinject'),
  namespace: (c) => c.namespace,
  // Every app of the namespace.
  actsOnApp: () => false,
  changesCluster: (c) => c.action !== 'status',
});

async function autoinject(job: CommandJob<AutoinjectCommand>, deps: JobDeps): Promise<Answered> {
  const engine = await import('../../autoinject');
  const { action, namespace } = job.command;
  if (action !== 'status') await (await import('../short-jobs')).checkNamespaceWide(job, deps);
  const kc = await deps.kube();
  const report = action === 'enable' ? await engine.enable(kc, namespace) : action === 'disable' ? await engine.disable(kc, namespace) : await engine.status(kc, namespace);
  const drifted = (report.drift ?? []).filter((d) => d.drifted > 0).map((d) => `${kindSlashName(d)}: ${d.drifted} of ${d.pods} pod(s) ${d.reason}`);
  const message = deps.reporter.messages.autoinject({ action, namespace, ok: report.ok, enabled: report.enabled, missingSidecar: report.missingSidecar, drifted, detail: report.summary });
  return { ok: report.ok, reply: { visibility: action === 'status' ? 'ephemeral' : 'channel', message } };
}

export const autoinjectJob: VerbJob<AutoinjectCommand> = () => ({ kind: 'answer', answer: autoinject });
