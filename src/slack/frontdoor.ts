// The Slack front door's decisions, independent of Bolt: parse → authorize → dispatch the job → reply, with
// one audit line per command or button. The Lambda fast path, the Bolt listeners and the console all call it.
import { formatCommand, helpText, parseCommand, validateDnsLabel } from '../command/grammar';
import { commandNamespace, isMutating, permissionFor, type Permission } from '../command/permissions';
import { jobIdFor, type Job, type JobCommand, type JobDispatcher } from '../jobs/job';
import { auditLine, type AuditDecision, type AuditOutcome, type AuditSink } from './audit';
import { authorize, DEFAULT_POLICY, policyNamesUserGroups, type Policy } from './policy';
import { APPLY_ACTION, RESTART_ACTION } from './render/inject';
import { CANCEL_ACTION } from './render/rollout';

export interface Caller {
  user: string;
  channel: string;
  team?: string;
  responseUrl?: string;
}

export interface Reply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
}

export interface FrontDoorDeps {
  policy: () => Policy;
  /** Which of `groupIds` the user belongs to (Slack usergroups.users.list); only asked when it matters. */
  userGroups?: (userId: string, groupIds: string[]) => Promise<string[]>;
  dispatcher: () => Promise<JobDispatcher>;
  audit: AuditSink;
  now: () => number;
}

interface Intent {
  command: JobCommand;
  text: string;
  permission: Permission;
  namespace: string | undefined;
}

const ephemeral = (text: string): Reply => ({ response_type: 'ephemeral', text });

function record(deps: Pick<FrontDoorDeps, 'audit' | 'now'>, caller: Caller, started: number, fields: {
  source: 'command' | 'button'; command: string; decision: AuditDecision; outcome: AuditOutcome;
  permission?: string; namespace?: string; cluster?: string; reason?: string; jobId?: string;
}): void {
  deps.audit(
    auditLine({
      user: caller.user, ...(caller.team ? { team: caller.team } : {}), channel: caller.channel, ...fields,
      durationMs: Math.max(0, deps.now() - started),
    }),
  );
}

/**
 * Answers the commands that need neither a policy nor a job — help and anything malformed — so the Lambda
 * can reply without loading Bolt. Returns undefined for everything else.
 */
export function answerWithoutWork(text: string, caller: Caller, deps: Pick<FrontDoorDeps, 'audit' | 'now'>): Reply | undefined {
  const started = deps.now();
  const parsed = parseCommand(text);
  if (!parsed.ok) {
    record(deps, caller, started, { source: 'command', command: text.slice(0, 100), decision: 'invalid', outcome: 'rejected', reason: parsed.error });
    return ephemeral(`:warning: ${parsed.error}`);
  }
  if (parsed.command.kind === 'help') {
    record(deps, caller, started, { source: 'command', command: 'help', permission: 'help', decision: 'allow', outcome: 'answered' });
    return ephemeral(helpText());
  }
  return undefined;
}

export async function handleCommand(text: string, caller: Caller, deps: FrontDoorDeps): Promise<Reply> {
  const quick = answerWithoutWork(text, caller, deps);
  if (quick) return quick;
  const parsed = parseCommand(text);
  if (!parsed.ok || parsed.command.kind === 'help') throw new Error('unreachable: answered above');
  const command = parsed.command;
  const intent = { command, text: formatCommand(command), permission: permissionFor(command), namespace: commandNamespace(command) };
  return decideAndDispatch(intent, 'command', caller, deps);
}

export interface ButtonPress {
  actionId: string;
  value: string;
}

/** Buttons carry what they act on; they are re-validated here and go through the same authorization. */
function intentOfButton(press: ButtonPress): Intent | string {
  try {
    if (press.actionId === APPLY_ACTION) {
      const parsed = parseCommand(press.value);
      if (!parsed.ok || parsed.command.kind !== 'inject' || !parsed.command.apply) return 'the Apply button carries an invalid command';
      return { command: parsed.command, text: formatCommand(parsed.command), permission: 'inject-apply', namespace: commandNamespace(parsed.command) };
    }
    if (press.actionId === RESTART_ACTION) {
      const namespace = validateDnsLabel(press.value, 'namespace');
      return { command: { kind: 'restart', namespace }, text: `autoinject restart ${namespace}`, permission: 'restart', namespace };
    }
    if (press.actionId === CANCEL_ACTION) {
      const value = JSON.parse(press.value) as { rolloutId?: unknown; namespace?: unknown; cluster?: unknown };
      const parsed = parseCommand(`cancel ${String(value.rolloutId)}${value.cluster === undefined ? '' : ` --cluster ${String(value.cluster)}`}`);
      if (!parsed.ok || parsed.command.kind !== 'cancel') return 'the Cancel button carries an invalid rollout id';
      const namespace = validateDnsLabel(String(value.namespace), 'namespace');
      // The cancel acts on the namespace in the rollout id, so that is the one authorized; a button whose two
      // disagree was not rendered by mesh.
      const target = commandNamespace(parsed.command);
      if (target !== undefined && target !== namespace) return 'the Cancel button names another namespace than its rollout id';
      return { command: parsed.command, text: formatCommand(parsed.command), permission: 'cancel', namespace };
    }
  } catch (error) {
    return `the button carries an invalid value (${(error as Error).message})`;
  }
  return `unknown button "${press.actionId.slice(0, 40)}"`;
}

export async function handleButton(press: ButtonPress, caller: Caller, deps: FrontDoorDeps): Promise<Reply> {
  const intent = intentOfButton(press);
  if (typeof intent === 'string') {
    record(deps, caller, deps.now(), { source: 'button', command: press.actionId.slice(0, 40), decision: 'invalid', outcome: 'rejected', reason: intent });
    return ephemeral(`:warning: ${intent}`);
  }
  return decideAndDispatch(intent, 'button', caller, deps);
}

async function decideAndDispatch(intent: Intent, source: 'command' | 'button', caller: Caller, deps: FrontDoorDeps): Promise<Reply> {
  const started = deps.now();
  const cluster = 'cluster' in intent.command ? intent.command.cluster : undefined;
  const base = { source, command: intent.text, permission: intent.permission, ...(intent.namespace ? { namespace: intent.namespace } : {}), ...(cluster ? { cluster } : {}) };
  let policy: Policy;
  try {
    policy = deps.policy();
  } catch (error) {
    // Fail closed: a policy that cannot be read grants nothing; read-only commands still answer.
    const reason = `the mesh policy cannot be used: ${(error as Error).message.split('\n')[0]}`;
    if (isMutating(intent.permission)) {
      record(deps, caller, started, { ...base, decision: 'deny', outcome: 'denied', reason });
      return ephemeral(`:no_entry: Denied: ${reason}. Mutating commands are refused until it is fixed.`);
    }
    policy = DEFAULT_POLICY;
  }
  let decision = authorize(policy, { userId: caller.user, channelId: caller.channel }, intent.permission, intent.namespace);
  if (!decision.allowed && deps.userGroups && policyNamesUserGroups(policy)) {
    const groups = [...new Set(policy.rules.flatMap((r) => r.userGroups))];
    const userGroups = await deps.userGroups(caller.user, groups).catch(() => []);
    decision = authorize(policy, { userId: caller.user, channelId: caller.channel, userGroups }, intent.permission, intent.namespace);
  }
  if (!decision.allowed) {
    record(deps, caller, started, { ...base, decision: 'deny', outcome: 'denied', reason: `missing ${decision.missing}` });
    return ephemeral(`:no_entry: ${decision.message}`);
  }
  const kind = intent.command.kind;
  const job: Job = {
    id: jobIdFor({ team: caller.team, channel: caller.channel, user: caller.user, text: intent.text, at: started, kind }),
    command: intent.command,
    text: intent.text,
    ...(intent.namespace ? { namespace: intent.namespace } : {}),
    user: caller.user,
    ...(caller.team ? { team: caller.team } : {}),
    channel: caller.channel,
    ...(caller.responseUrl ? { responseUrl: caller.responseUrl } : {}),
    requestedAt: started,
  };
  try {
    const { jobId, alreadyStarted } = await (await deps.dispatcher()).start(job);
    record(deps, caller, started, { ...base, decision: 'allow', outcome: 'dispatched', reason: decision.reason, jobId });
    const what = `\`${intent.text}\``;
    return ephemeral(alreadyStarted ? `:repeat: ${what} is already running (job ${jobId}).` : `:hourglass_flowing_sand: Working on ${what} (job ${jobId}).`);
  } catch (error) {
    record(deps, caller, started, { ...base, decision: 'allow', outcome: 'error', reason: (error as Error).message.slice(0, 300) });
    return ephemeral(`:x: Could not start \`${intent.text}\`: ${(error as Error).message.split('\n')[0]}`);
  }
}
