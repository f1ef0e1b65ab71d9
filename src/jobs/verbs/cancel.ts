// `/mesh cancel <rollout-id>` (and the Cancel button): the running rollout or canary stops after its current step.
import { clusterText, fail, where } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { isDnsLabel } from '../../dns-label';
import { enforceGrants } from '../job';
import { appsOf, type JobDeps } from '../state';
import { toRequester, type Answered, type CommandJob, type VerbJob } from '../verb-job';

export interface CancelCommand {
  kind: 'cancel';
  rolloutId: string;
  cluster?: string;
}

declare module '../job' {
  interface VerbCommands {
    cancel: CancelCommand;
  }
}

const ROLLOUT_ID = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/**
 * Rollout ids read `<namespace>.<app>.<suffix>` (src/rollout/engine.ts; a canary's `<namespace>.<service>.canary-…`),
 * so the namespace is the id's; an id of another shape means "unknown" (undefined).
 */
function namespaceOf(command: CancelCommand): string | undefined {
  const [namespace, app, suffix] = command.rolloutId.split('.');
  return namespace && app && suffix && isDnsLabel(namespace) ? namespace : undefined;
}

export const cancelVerb = defineVerb<CancelCommand>({
  name: 'cancel',
  usage: '/mesh cancel <rollout-id> [--cluster <name>]',
  summary: 'stop a running rollout after its current step',
  parse(words, tools) {
    const o = tools.readOptions(words, { cluster: true });
    const rolloutId = tools.exactlyOne(o, 'a rollout id');
    if (rolloutId.length > 253 || !ROLLOUT_ID.test(rolloutId)) fail(`rollout id "${rolloutId}" is not valid (a-z, 0-9, "-" and ".")`);
    return { kind: 'cancel', rolloutId, ...where(o) };
  },
  format: (c) => `cancel ${c.rolloutId}${clusterText(c)}`,
  permission: () => 'cancel',
  namespace: namespaceOf,
  actsOnApp: (c) => namespaceOf(c) !== undefined,
  changesCluster: () => false,
});

async function cancel(job: CommandJob<CancelCommand>, deps: JobDeps): Promise<Answered> {
  const id = job.command.rolloutId;
  const { registry } = await appsOf(deps);
  enforceGrants(job, job.command.cluster ?? registry.defaultCluster, registry.defaultCluster, id.split('.')[1]);
  const kc = await deps.kube(job.command.cluster);
  // A canary's id reads `<namespace>.<service>.canary-…` (./canary.ts); its next step sees the mark.
  const found = /\.canary-[^.]+$/.test(id)
    ? await (await import('../../traffic/cluster')).requestCanaryCancel(kc, id, `Slack user ${job.user}`)
    : await (await import('../../rollout/engine')).requestCancel(kc, id, `Slack user ${job.user}`);
  return { ok: found, reply: toRequester(deps.reporter.messages.cancelRequested(id, found)) };
}

export const cancelJob: VerbJob<CancelCommand> = () => ({ kind: 'answer', answer: cancel });
