// `/mesh canary <app>[.<service>] --to v2`: a progression the job runner (Step Functions as deployed, the local runner in the
// console) drives one bounded step per invocation, waiting `waitSeconds` between them. Each step sets the weights,
// and after the interval its gates (src/traffic/canary.ts) decide: on to the next step, or — a failed gate, or
// Cancel — all traffic back on the stable subset at once. The parent message shows the weights now; each step
// is one line in its thread; the outcome is one revision in the app's history (rollback undoes it).
import { DEFAULT_NAMESPACE, parseDuration, parseSteps, validateDnsLabel, validateReference, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { UserError } from '../../errors';
import type { CanaryState } from '../../traffic/canary';
import type { CanaryLine, CanaryView } from '../reporter';
import { appsOf, type JobDeps, type JobState } from '../state';
import type { CommandJob, FinishJob, VerbJob } from '../verb-job';

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

const routesText = async (routes: { subset: string; weight: number }[] | undefined) =>
  (await import('../../traffic/plan')).describeRoutes(routes && [...routes].sort((a, b) => a.subset.localeCompare(b.subset)));

function viewOf(c: CanaryState, weights: string): CanaryView {
  const status = c.phase === 'finished' || c.phase === 'failed' || c.phase === 'cancelled' ? c.phase : 'running';
  return {
    id: c.id, app: c.app, service: c.service, namespace: c.namespace, ...(c.cluster ? { cluster: c.cluster } : {}), target: c.target, stable: c.stable,
    weights, step: c.index + 1, steps: c.steps, intervalSeconds: c.intervalSeconds, status, ...(c.reason ? { reason: c.reason } : {}), requestedBy: c.requester,
    metrics: c.prometheus ? `${c.target} ready, success rate and p99 latency from ${c.prometheus}` : `${c.target} ready (the app declares no prometheus)`,
  };
}

/** Parent update and thread line; Slack being away never stops the canary (the log keeps the error). */
async function report(c: CanaryState, deps: JobDeps, weights: string, line?: CanaryLine): Promise<void> {
  const say = async (call: () => Promise<unknown>) => call().catch((error: unknown) => deps.log?.(JSON.stringify({ type: 'mesh.job', canary: c.id, event: 'slack-error', error: String(error) })));
  if (c.parentTs) await say(() => deps.reporter.update(c.channel, c.parentTs!, deps.reporter.messages.canary(viewOf(c, weights))));
  if (line && c.parentTs) await say(() => deps.reporter.post(c.channel, deps.reporter.messages.canaryLine(line), c.parentTs));
}

const targetOf = (c: CanaryState) => ({ app: c.app, service: c.service, namespace: c.namespace, ...(c.cluster ? { cluster: c.cluster } : {}) });

/** The first step: checks (one line when the canary cannot run), claims the Service, posts the parent. */
async function startCanary(state: JobState, deps: JobDeps, finish: FinishJob): Promise<JobState> {
  const job = state.job as CommandJob<CanaryCommand>;
  const { command } = job;
  const { readTrafficView, claimCanary } = await import('../../traffic/cluster');
  const { subsetsOf, currentRoutes, foreignRouting } = await import('../../traffic/plan');
  const { DEFAULT_STEPS, DEFAULT_INTERVAL_SECONDS, stableSubset } = await import('../../traffic/canary');
  if (job.protections?.length) throw new UserError(`${job.namespace ?? 'default'} is a protected namespace: a canary there is not approved step by step; use /mesh shift, which asks for approval`);
  const target = await (await import('../traffic')).shiftTargetOf(job, deps);
  const kc = await deps.kube(target.cluster);
  const view = await readTrafficView(kc, target.namespace, target.service);
  const subsets = subsetsOf(view);
  const foreign = foreignRouting(view);
  if (foreign.length > 0) throw new UserError(`${foreign.join(' and ')} in ${view.namespace} already route${foreign.length === 1 ? 's' : ''} ${view.service} and ${foreign.length === 1 ? 'is' : 'are'} not mesh's: nothing changed`);
  if (!subsets.includes(command.to)) throw new UserError(`there is no subset ${command.to}: the workloads' version labels give ${subsets.join(', ')}`);
  const initial = currentRoutes(view);
  const stable = stableSubset(subsets, initial, command.to);
  if (!stable) throw new UserError(`${target.service} has only the version ${command.to}: there is no stable version to compare it with`);
  const id = `${target.namespace}.${target.service}.canary-${job.id.slice(-10)}`;
  const holder = await claimCanary(kc, target.namespace, target.service, id);
  if (holder) throw new UserError(`canary ${holder} is already running for ${target.service}; cancel it first (/mesh cancel ${holder})`);
  const entry = (await appsOf(deps)).registry.apps.find((a) => a.name === target.app);
  let canary: CanaryState = {
    id, ...target, target: command.to, stable, steps: command.steps ?? DEFAULT_STEPS, intervalSeconds: command.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS,
    ...(entry?.prometheus ? { prometheus: entry.prometheus } : {}), index: -1, phase: 'shift', ...(initial ? { initial } : {}),
    requester: job.user, channel: job.channel, startedAt: deps.now(),
  };
  const parentTs = await deps.reporter.post(job.channel, deps.reporter.messages.canary(viewOf(canary, await routesText(initial)))).catch(() => undefined);
  if (parentTs) canary = { ...canary, parentTs };
  deps.log?.(JSON.stringify({ type: 'mesh.job', job: job.id, event: 'canary-started', canary: id, target: command.to, stable, steps: canary.steps }));
  return canaryStep({ ...state, canary }, deps, finish);
}

/** Puts all traffic on the stable subset, records the outcome, releases the Service and ends the job. */
async function abort(state: JobState, deps: JobDeps, finish: FinishJob, phase: 'failed' | 'cancelled', reason: string): Promise<JobState> {
  const c = state.canary!;
  const { prepareShift, writeShift, recordShift, planHash } = await import('../../traffic/shift');
  const { releaseCanary } = await import('../../traffic/cluster');
  const kc = await deps.kube(c.cluster);
  const prepared = await prepareShift(kc, targetOf(c), { weights: { [c.stable]: 100 } }, { canary: c.id });
  await writeShift(kc, prepared);
  const plan = { ...prepared.plan, ...(c.initial ? { before: c.initial } : {}) };
  if (!c.initial) delete plan.before;
  await recordShift(kc, targetOf(c), plan, planHash(plan), { id: c.id, by: `Slack user ${c.requester}`, at: new Date(deps.now()).toISOString(), ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}) });
  await releaseCanary(kc, c.namespace, c.service, c.id);
  const ended: CanaryState = { ...c, phase, reason: `${reason}; all traffic is back on ${c.stable}` };
  const weight = c.steps[c.index] ?? 0;
  await report(ended, deps, await routesText(prepared.plan.after), { outcome: phase, text: `step ${c.index + 1}/${c.steps.length} (${c.target} ${weight}%): ${reason} — all traffic back on ${c.stable}` });
  return finish({ ...state, canary: ended, outcome: phase === 'cancelled' ? 'cancelled' : 'failed' }, deps);
}

async function measure(c: CanaryState, deps: JobDeps) {
  const { subsetReady } = await import('../../traffic/cluster');
  const ready = await subsetReady(await deps.kube(c.cluster), c.namespace, c.service, c.target);
  if (!c.prometheus || !ready.ok) return { ready, metrics: Boolean(c.prometheus) };
  const { queryGateMetrics } = await import('../../traffic/prometheus');
  return { ready, metrics: true, ...(await queryGateMetrics(c.prometheus, c.service, c.namespace, c.target, c.intervalSeconds)) };
}

/** One bounded step: cancel? set the next weight, or judge the current one once its interval has passed. */
async function canaryStep(state: JobState, deps: JobDeps, finish: FinishJob): Promise<JobState> {
  const { canaryCancelledBy } = await import('../../traffic/cluster');
  const { judgeGates, stepWeights } = await import('../../traffic/canary');
  let c = state.canary!;
  const kc = await deps.kube(c.cluster);
  const cancelledBy = await canaryCancelledBy(kc, c.namespace, c.service, c.id);
  if (cancelledBy) return abort(state, deps, finish, 'cancelled', `cancelled by ${cancelledBy}`);
  if (c.phase === 'judge') {
    const wait = Math.ceil(((c.judgeAt ?? 0) - deps.now()) / 1000);
    if (wait > 0) return { ...state, waitSeconds: Math.min(wait, c.intervalSeconds) };
    let measured;
    try {
      measured = await measure(c, deps);
    } catch (error) {
      // A gate that cannot be judged is a failed gate: the canary does not go on without its evidence.
      return abort(state, deps, finish, 'failed', `the gates could not be judged: ${(error as Error).message.split('\n')[0]}`);
    }
    const verdict = judgeGates(measured, c.target, c.intervalSeconds);
    if (!verdict.ok) return abort(state, deps, finish, 'failed', verdict.reason);
    const weights = await routesText(Object.entries(stepWeights(c, c.steps[c.index]!)).map(([subset, weight]) => ({ subset, weight })));
    await report(c, deps, weights, { outcome: 'passed', text: `step ${c.index + 1}/${c.steps.length} (${c.target} ${c.steps[c.index]}%): gates passed — ${verdict.summary}` });
    c = { ...c, phase: 'shift' };
  }
  // phase 'shift': the next step's weights.
  const { prepareShift, writeShift, recordShift, planHash } = await import('../../traffic/shift');
  const index = c.index + 1;
  const weight = c.steps[index]!;
  const prepared = await prepareShift(kc, targetOf(c), { weights: stepWeights(c, weight) }, { canary: c.id });
  await writeShift(kc, prepared);
  const weights = await routesText(prepared.plan.after);
  if (weight < 100) {
    c = { ...c, index, phase: 'judge', judgeAt: deps.now() + c.intervalSeconds * 1000 };
    await report(c, deps, weights);
    return { ...state, canary: c, waitSeconds: c.intervalSeconds };
  }
  const { releaseCanary } = await import('../../traffic/cluster');
  const plan = { ...prepared.plan, ...(c.initial ? { before: c.initial } : {}) };
  if (!c.initial) delete plan.before;
  const revision = await recordShift(kc, targetOf(c), plan, planHash(plan), { id: c.id, by: `Slack user ${c.requester}`, at: new Date(deps.now()).toISOString(), ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}) });
  await releaseCanary(kc, c.namespace, c.service, c.id);
  const done: CanaryState = { ...c, index, phase: 'finished', reason: `all traffic on ${c.target}; recorded as revision ${revision} (undo with /mesh rollback ${c.app}${c.namespace === 'default' ? '' : ` -n ${c.namespace}`})` };
  await report(done, deps, weights, { outcome: 'finished', text: `step ${index + 1}/${c.steps.length} (${c.target} 100%): all traffic on ${c.target}` });
  return finish({ ...state, canary: done, outcome: 'succeeded' }, deps);
}

export const canaryJob: VerbJob<CanaryCommand> = () => ({
  kind: 'steps',
  step: (state, deps, finish) => (state.canary ? canaryStep(state, deps, finish) : startCanary(state, deps, finish)),
});
