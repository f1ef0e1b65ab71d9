// The registry of `/mesh` verbs: one module per verb (./<verb>.ts), each with its grammar half (`<verb>Verb`: words,
// permission, namespace — pure, what the Slack ack path needs) and its job half (`<verb>Job`: what the worker does,
// engines imported on use). Both records below are keyed by every command kind, so a verb left out of either is a
// compile error. Adding a verb: docs/developer-guide/adding-a-verb.md.
import type { VerbSpec } from '../../command/verb';
import type { MeshCommand } from '../job';
import type { VerbJob } from '../verb-job';
import * as apps from './apps';
import * as autoinject from './autoinject';
import * as canary from './canary';
import * as cancel from './cancel';
import * as deploy from './deploy';
import * as help from './help';
import * as history from './history';
import * as inject from './inject';
import * as rollback from './rollback';
import * as shift from './shift';
import * as status from './status';

export type { MeshCommand } from '../job';

/** The command of a kind. */
export type CommandOf<K extends MeshCommand['kind']> = Extract<MeshCommand, { kind: K }>;

/** The grammar halves, in the order `/mesh help` lists them. */
const VERB_SPECS: { [K in MeshCommand['kind']]: VerbSpec<CommandOf<K>> } = {
  help: help.helpVerb,
  apps: apps.appsVerb,
  inject: inject.injectVerb,
  deploy: deploy.deployVerb,
  status: status.statusVerb,
  history: history.historyVerb,
  rollback: rollback.rollbackVerb,
  shift: shift.shiftVerb,
  canary: canary.canaryVerb,
  cancel: cancel.cancelVerb,
  autoinject: autoinject.autoinjectVerb,
};

export const VERBS: readonly VerbSpec<MeshCommand>[] = Object.values(VERB_SPECS);

/** The job halves: how a job of each kind of command starts (src/jobs/step.ts). */
export const VERB_JOBS: { [K in MeshCommand['kind']]: VerbJob<CommandOf<K>> } = {
  help: help.helpJob,
  apps: apps.appsJob,
  inject: inject.injectJob,
  deploy: deploy.deployJob,
  status: status.statusJob,
  history: history.historyJob,
  rollback: rollback.rollbackJob,
  shift: shift.shiftJob,
  canary: canary.canaryJob,
  cancel: cancel.cancelJob,
  autoinject: autoinject.autoinjectJob,
};

/** The grammar half of a command's verb. */
export function verbOf(command: MeshCommand): VerbSpec<MeshCommand> {
  return VERB_SPECS[command.kind] as VerbSpec<MeshCommand>;
}
