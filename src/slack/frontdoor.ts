// The Slack front door's decisions, independent of Bolt: parse → authorize → dispatch the job → reply, with
// one audit line per command or button. The Lambda fast path, the Bolt listeners and the console all call it.
import { validateDnsLabel } from '../command/grammar';
import { isMutating, type Permission } from '../command/permissions';
import { jobIdFor, protectionFor, type Job, type JobCommand, type JobDispatcher, type MeshCommand } from '../jobs/job';
import { actsOnApp, changesCluster, commandNamespace, formatCommand, helpText, parseCommand, permissionFor } from '../jobs/verbs/command';
import { auditLine, type AuditDecision, type AuditOutcome, type AuditSink } from './audit';
import { authorize, DEFAULT_POLICY, isApprover, policyNamesUserGroups, protectionsOf, type Decision, type Policy } from './policy';
import { APPLY_ACTION, APPROVE_ACTION, CANCEL_ACTION, REJECT_ACTION, RESTART_ACTION, type ApprovalButtonValue } from './actions';
import { errorMessage, isUserError, UserError } from '../errors';

export interface Caller {
  user: string;
  channel: string;
  team?: string;
  responseUrl?: string;
  /** The message a button was pressed on. */
  messageTs?: string;
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
  /** Whether a policy rule limited to some apps may grant it (not one on every app of a namespace). */
  actsOnApp: boolean;
  /** A change to a protected namespace waits for approval (deploys) or is refused (autoinject, Restart). */
  changesCluster: boolean;
  /** Approve/Reject: where the plan was asked and by whom (checked again by the job against the stored plan). */
  approval?: { channel: string; requester: string };
}

const ephemeral = (text: string): Reply => ({ response_type: 'ephemeral', text });

/** What the command's verb says of it. */
function intentOf(command: MeshCommand): Intent {
  return { command, text: formatCommand(command), permission: permissionFor(command), namespace: commandNamespace(command), actsOnApp: actsOnApp(command), changesCluster: changesCluster(command) };
}

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
  return decideAndDispatch(intentOf(parsed.command), 'command', caller, deps);
}

export interface ButtonPress {
  actionId: string;
  value: string;
}

/**
 * Buttons carry what they act on; they are re-validated here and go through the same authorization. A button
 * that does not hold up is a UserError naming what is wrong with it.
 */
function intentOfButton(press: ButtonPress): Intent {
  try {
    if (press.actionId === APPLY_ACTION) {
      const parsed = parseCommand(press.value);
      if (!parsed.ok || parsed.command.kind !== 'inject' || !parsed.command.apply) throw new UserError('the Apply button carries an invalid command');
      return intentOf(parsed.command);
    }
    if (press.actionId === RESTART_ACTION) {
      const namespace = validateDnsLabel(press.value, 'namespace');
      return { command: { kind: 'restart', namespace }, text: `autoinject restart ${namespace}`, permission: 'restart', namespace, actsOnApp: false, changesCluster: true };
    }
    if (press.actionId === APPROVE_ACTION || press.actionId === REJECT_ACTION) {
      const value = JSON.parse(press.value) as Partial<Record<keyof ApprovalButtonValue, unknown>>;
      const id = String(value.id);
      if (!/^[0-9a-f]{32}$/.test(id)) throw new UserError('the approval button carries an invalid id');
      const app = validateDnsLabel(String(value.app), 'app');
      const namespace = validateDnsLabel(String(value.namespace), 'namespace');
      const cluster = value.cluster === undefined ? undefined : validateDnsLabel(String(value.cluster), 'cluster');
      const decision = press.actionId === APPROVE_ACTION ? 'approve' : 'reject';
      return {
        command: { kind: 'approval', decision, id, app, namespace, ...(cluster ? { cluster } : {}) },
        text: `${decision} ${app} -n ${namespace}${cluster ? ` --cluster ${cluster}` : ''} (approval ${id.slice(0, 8)})`,
        permission: 'deploy', namespace, actsOnApp: true, changesCluster: false,
        approval: { channel: String(value.channel), requester: String(value.requester) },
      };
    }
    if (press.actionId === CANCEL_ACTION) {
      const value = JSON.parse(press.value) as { rolloutId?: unknown; namespace?: unknown; cluster?: unknown };
      const parsed = parseCommand(`cancel ${String(value.rolloutId)}${value.cluster === undefined ? '' : ` --cluster ${String(value.cluster)}`}`);
      if (!parsed.ok || parsed.command.kind !== 'cancel') throw new UserError('the Cancel button carries an invalid rollout id');
      const namespace = validateDnsLabel(String(value.namespace), 'namespace');
      // The cancel acts on the namespace in the rollout id, so that is the one authorized; a button whose two
      // disagree was not rendered by mesh.
      const target = commandNamespace(parsed.command);
      if (target !== undefined && target !== namespace) throw new UserError('the Cancel button names another namespace than its rollout id');
      // The button is on one app's rollout message.
      return { ...intentOf(parsed.command), namespace, actsOnApp: true };
    }
  } catch (error) {
    if (isUserError(error)) throw error;
    throw new UserError(`the button carries an invalid value (${errorMessage(error)})`);
  }
  throw new UserError(`unknown button "${press.actionId.slice(0, 40)}"`);
}

/**
 * Why an Approve/Reject press is refused before any job runs: pressed in another channel than the plan's,
 * the requester approving their own plan, or someone the namespace's protection does not name as approver
 * (the requester may still reject, i.e. withdraw, their own plan).
 */
async function approvalRefusal(
  intent: Intent,
  command: Extract<JobCommand, { kind: 'approval' }>,
  policy: Policy,
  caller: Caller,
  groupsOfCaller: () => Promise<string[]>,
): Promise<string | undefined> {
  if (intent.approval?.channel !== caller.channel) return 'this approval was requested in another channel';
  const own = intent.approval.requester === caller.user;
  if (command.decision === 'approve' && own) return 'you requested this plan; the two-person rule needs someone else to approve it';
  if (command.decision === 'reject' && own) return undefined;
  const match = protectionFor(protectionsOf(policy, command.namespace), command.cluster, command.app);
  if (match.kind === 'unknown') return match.reason;
  const rule = match.kind === 'protected' ? match.rule : undefined;
  if (!rule) return `namespace "${command.namespace}" is not protected by the ${policy.source}, so there is nothing to approve`;
  const who = { userId: caller.user, userGroups: rule.approvers.userGroups.length ? await groupsOfCaller() : [] };
  if (!isApprover(rule, who)) return `<@${caller.user}> is not an approver of "${rule.name}" in the ${policy.source}`;
  return undefined;
}

export async function handleButton(press: ButtonPress, caller: Caller, deps: FrontDoorDeps): Promise<Reply> {
  let intent: Intent;
  try {
    intent = intentOfButton(press);
  } catch (error) {
    if (!isUserError(error)) throw error;
    record(deps, caller, deps.now(), { source: 'button', command: press.actionId.slice(0, 40), decision: 'invalid', outcome: 'rejected', reason: error.message });
    return ephemeral(`:warning: ${error.message}`);
  }
  return decideAndDispatch(intent, 'button', caller, deps);
}

async function decideAndDispatch(intent: Intent, source: 'command' | 'button', caller: Caller, deps: FrontDoorDeps): Promise<Reply> {
  const started = deps.now();
  const cluster = 'cluster' in intent.command ? intent.command.cluster : undefined;
  const kind = intent.command.kind;
  const base = { source, command: intent.text, permission: intent.permission, ...(intent.namespace ? { namespace: intent.namespace } : {}), ...(cluster ? { cluster } : {}) };
  let policy: Policy;
  try {
    policy = deps.policy();
  } catch (error) {
    // Fail closed: a policy that cannot be read grants nothing; read-only commands still answer.
    const reason = `the mesh policy cannot be used: ${errorMessage(error).split('\n')[0]}`;
    if (isMutating(intent.permission)) {
      record(deps, caller, started, { ...base, decision: 'deny', outcome: 'denied', reason });
      return ephemeral(`:no_entry: Denied: ${reason}. Mutating commands are refused until it is fixed.`);
    }
    policy = DEFAULT_POLICY;
  }
  let userGroups: string[] | undefined;
  // A failed user-group lookup counts as no groups (fail closed); a refusal then says the groups were unknown.
  let groupsUnknown: string | undefined;
  const groupsOfCaller = async () => {
    const groups = [...new Set([...policy.rules.flatMap((r) => r.userGroups), ...(policy.protected ?? []).flatMap((p) => p.approvers.userGroups)])];
    if (!groups.length || !deps.userGroups) return (userGroups ??= []);
    return (userGroups ??= await deps.userGroups(caller.user, groups).catch((error: unknown) => {
      groupsUnknown = `your Slack user groups could not be read (${errorMessage(error).split('\n')[0]})`;
      return [];
    }));
  };
  if (intent.command.kind === 'approval') {
    const refusal = await approvalRefusal(intent, intent.command, policy, caller, groupsOfCaller);
    if (refusal) {
      record(deps, caller, started, { ...base, decision: 'deny', outcome: 'denied', reason: refusal });
      return ephemeral(`:no_entry: ${refusal}; nothing was changed.`);
    }
  }
  const target = { ...(cluster ? { cluster } : {}), noApp: !intent.actsOnApp };
  let decision: Decision = intent.command.kind === 'approval'
    ? { allowed: true as const, reason: 'approver under the policy' }
    : authorize(policy, { userId: caller.user, channelId: caller.channel }, intent.permission, intent.namespace, target);
  if (!decision.allowed && deps.userGroups && policyNamesUserGroups(policy)) {
    decision = authorize(policy, { userId: caller.user, channelId: caller.channel, userGroups: await groupsOfCaller() }, intent.permission, intent.namespace, target);
  }
  if (!decision.allowed) {
    record(deps, caller, started, { ...base, decision: 'deny', outcome: 'denied', reason: `missing ${decision.missing}${groupsUnknown ? `; ${groupsUnknown}` : ''}` });
    return ephemeral(`:no_entry: ${decision.message}${groupsUnknown ? ` (${groupsUnknown})` : ''}`);
  }
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
    ...(caller.messageTs ? { messageTs: caller.messageTs } : {}),
    ...(decision.grants ? { grants: decision.grants } : {}),
  };
  // The job matches the protections' cluster and app once it resolved them.
  const protections = intent.changesCluster && intent.namespace ? protectionsOf(policy, intent.namespace) : [];
  if (protections.length > 0) {
    job.protections = protections.map((p) => ({ rule: p.name, clusters: p.clusters, apps: p.apps, approvals: p.approvals, validForMs: p.validForMs }));
  }
  try {
    const { jobId, alreadyStarted } = await (await deps.dispatcher()).start(job);
    record(deps, caller, started, { ...base, decision: 'allow', outcome: 'dispatched', reason: decision.reason, jobId });
    const what = `\`${intent.text}\``;
    return ephemeral(alreadyStarted ? `:repeat: ${what} is already running (job ${jobId}).` : `:hourglass_flowing_sand: Working on ${what} (job ${jobId}).`);
  } catch (error) {
    record(deps, caller, started, { ...base, decision: 'allow', outcome: 'error', reason: errorMessage(error).slice(0, 300) });
    return ephemeral(`:x: Could not start \`${intent.text}\`: ${errorMessage(error).split('\n')[0]}`);
  }
}
