// `/mesh cancel <rollout-id>` (and the Cancel button): the running rollout or canary stops after its current step.
import { clusterText, fail, where } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { isDnsLabel } from '../../dns-label';

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
