// The CLI's JobReporter (src/jobs/reporter.ts), as the Slack reporter is chat's: a job's answers as plain text on
// stdout — refusals and errors on stderr as `mesh <command>: …` — and a rollout's progress as the engine's own
// events, one line each (rollout-text.ts); on a terminal with a live status block below them, on a pipe only
// the lines. The CLI runs one job per process, so the reporter also keeps what the exit code needs.
import type { RolloutEvent } from '../rollout';
import type { AppStatus } from '../rollout/status';
import type { JobMessages, JobReporter, PendingReply, PlanView, ProgressReport, ReportMessage } from '../jobs/reporter';
import { applyProgress, newRolloutView } from '../jobs/progress';
import type { JobState } from '../jobs/state';
import { LiveRegion } from '../console/live-region';
import type { CliIO } from './io';
import { eventLines } from './rollout-text';
import { historyText, planCountsText, statusText } from './plan-text';

type Stream = 'stdout' | 'stderr';

export interface TextReporter extends JobReporter {
  /** 0 done, 1 failed, refused or (status) not ready, 2 an error of mesh itself, 3 cancelled. */
  exitCode(final: JobState): number;
  /** Stops the live status block (its timer), leaving the screen as it is. */
  stop(): void;
}

/**
 * Live progress for a terminal: each event's lines scroll as on a pipe, and below them a status block — the stage
 * being waited for, how many of its objects are ready, for how long and for which — redrawn in place.
 */
export function ttyRenderer(io: Pick<CliIO, 'stdout'>, columns: () => number = () => process.stdout.columns || 80): { onEvent: (e: RolloutEvent) => void; stop: () => void } {
  const live = new LiveRegion(io.stdout, columns);
  let waiting: { stage: string; position: string; since: number; applied: Set<string>; pending: Set<string> } | undefined;
  const status = () => {
    if (!waiting) return;
    const elapsed = ((Date.now() - waiting.since) / 1000).toFixed(0);
    const names = [...waiting.pending];
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
    const ready = waiting.applied.size - waiting.pending.size;
    live.set('status', `  [stage ${waiting.position} ${waiting.stage}] ${ready}/${waiting.applied.size} ready after ${elapsed}s${shown ? `, waiting for ${shown}` : ''}`);
  };
  const timer = setInterval(status, 250);
  return {
    onEvent(event) {
      if (event.type === 'stage-started') {
        waiting = { stage: event.stage, position: `${event.index + 1}/${event.total}`, since: Date.now(), applied: new Set(), pending: new Set() };
      }
      if (event.type === 'object-applied') {
        waiting?.applied.add(event.object);
        waiting?.pending.add(event.object);
      }
      if (event.type === 'object-ready') waiting?.pending.delete(event.object);
      if (event.type === 'stage-done' || event.type === 'failed' || event.type === 'cancelled' || event.type === 'finished') {
        waiting = undefined;
        live.clear();
      }
      live.print(eventLines(event).map((line) => `${line}\n`).join(''));
      status();
    },
    stop() {
      clearInterval(timer);
      live.clear();
    },
  };
}

const message = (text: string, stream: Stream = 'stdout'): ReportMessage => ({ text, blocks: [{ stream }] });
const streamOf = (m: ReportMessage): Stream => ((m.blocks[0] as { stream?: Stream } | undefined)?.stream ?? 'stdout');
const whereLine = (where: { origin?: string; cluster?: string }) => [where.origin, where.cluster ? `cluster ${where.cluster}` : ''].filter(Boolean).join(', ');

function planLines(view: PlanView): string[] {
  const where = `${view.namespace}${view.cluster ? ` on cluster ${view.cluster}` : ''}`;
  if (view.traffic) {
    return [`traffic of ${view.traffic.service} in ${view.namespace} (plan ${view.hash.slice(0, 12)})`, `  before: ${view.traffic.before}`, `  after:  ${view.traffic.after}`, 'nothing was changed'];
  }
  if (view.problems.length > 0) return [`plan for ${view.label} in ${where}: the pre-flight rejected ${view.problems.length} object(s)`, ...view.problems.map((p) => `  ${p}`)];
  return [`plan ${view.hash.slice(0, 12)} for ${view.label} in ${where}${view.rollbackTo !== undefined ? ` (rollback to revision ${view.rollbackTo})` : ''}: ${planCountsText(view.counts)}`];
}

function textMessages(notReady: () => void, internal: () => void): JobMessages {
  return {
    injectPreview: (s) => ({
      message: message([`${s.app} in ${s.namespace} with the sidecar injected (${s.proxyImage})${s.injectedBy ? `, by ${s.injectedBy}` : ''}`, ...s.warnings.map((w) => `warning: ${w}`)].join('\n')),
      file: { filename: `${s.app}.injected.yaml`, title: s.app, content: s.yaml },
    }),
    autoinject: (s) => message([`auto-injection in ${s.namespace}: ${s.enabled ? 'enabled' : 'disabled'}`, ...(s.detail ? [s.detail] : [])].join('\n'), s.ok ? 'stdout' : 'stderr'),
    appList: (view) =>
      message(
        [
          `${view.apps.length} app(s) from ${view.source}`,
          ...view.apps.map((app) => `  ${app.name.padEnd(20)} ${app.source}${app.limits.length ? `  (${app.limits.join('; ')})` : ''}`),
          ...view.clusters.map((c) => `cluster ${c.name}${c.isDefault ? ' (default)' : ''}${c.target ? `: ${c.target}` : ''}`),
          ...(view.deployed.length > 0 ? ['deployed:', ...view.deployed.map((line) => `  ${line.replace(/^• /, '')}`)] : []),
        ].join('\n'),
      ),
    status: (status: AppStatus) => {
      if (!status.stages.every((s) => s.ready)) notReady();
      return message(statusText(status));
    },
    cancelRequested: (id, found) => message(found ? `cancel of ${id} requested; it stops after its current step` : `no rollout ${id} is running`, found ? 'stdout' : 'stderr'),
    restarted: (user, report) => message(`restarted by ${user}: ${report.restarted.length} workload(s)${report.failed.length ? `; ${report.failed.length} failed: ${report.failed.map((f) => f.error).join('; ')}` : ''}`),
    plan: (view) => message([...(whereLine(view) ? [whereLine(view)] : []), ...planLines(view)].join('\n')),
    planDiff: (diff) => ({ replies: [message(`${diff}\nnothing was changed`)] }),
    approvalEvent: (event) => message(`approval: ${event.kind}`),
    history: (view) => message(historyText(view.app, view.namespace, view.revisions)),
    trafficShifted: (view) =>
      message(
        [
          ...(view.undid !== undefined ? [`rollback of ${view.label}'s traffic shift, revision ${view.undid}`] : []),
          `traffic of ${view.service} in ${view.namespace}${view.cluster ? ` on cluster ${view.cluster}` : ''}`,
          `  before: ${view.before}`,
          `  after:  ${view.after}`,
          `shifted: revision ${view.revision} of ${view.label} (undo with mesh rollback ${view.label}${view.namespace === 'default' ? '' : ` -n ${view.namespace}`})`,
        ].join('\n'),
      ),
    canary: (view) => message(`canary ${view.id}: ${view.weights}, step ${view.step}/${view.steps.length}, ${view.status}${view.reason ? ` (${view.reason})` : ''}`),
    canaryLine: (line) => message(line.text),
    refused: (reason) => message(`${reason}; nothing was changed`, 'stderr'),
    userError: (text) => message(text, 'stderr'),
    jobFailed: (text, isInternal) => {
      if (isInternal) internal();
      return message(text, 'stderr');
    },
    notAJob: (text) => message(`"${text}" is not something the CLI runs as a job`, 'stderr'),
  };
}

/** The reporter of one CLI command (`command` names it in error lines). */
export function textReporter(command: string, io: CliIO): TextReporter {
  let notReady = false;
  let internal = false;
  let rolloutEnded = false;
  let posted = 0;
  let renderer: ReturnType<typeof ttyRenderer> | undefined;
  const write = (m: ReportMessage) => {
    if (m.text === '') return;
    if (streamOf(m) === 'stderr') io.stderr(`mesh ${command}: ${m.text}\n`);
    else io.stdout(`${m.text}\n`);
  };
  const rendererOf = () =>
    (renderer ??= io.isTTY ? ttyRenderer(io) : { onEvent: (e: RolloutEvent) => eventLines(e).forEach((line) => io.stdout(`${line}\n`)), stop: () => undefined });
  const delivered = (report: ProgressReport): ProgressReport => ({ ...report, parentTs: report.parentTs ?? 'cli', dirty: false, pendingLines: [] });
  return {
    messages: textMessages(
      () => (notReady = true),
      () => (internal = true),
    ),
    async deliver(_job, reply: PendingReply) {
      write(reply.message);
      if (reply.file) io.stdout(reply.file.content.endsWith('\n') ? reply.file.content : `${reply.file.content}\n`);
      for (const m of reply.thread?.slice(reply.threadSent ?? 0) ?? []) write(m);
      return undefined;
    },
    async post(_channel, m) {
      write(m);
      return `cli-${++posted}`;
    },
    async update(_channel, _ts, m) {
      write(m);
    },
    startProgress(channel, label, namespace, requestedBy, at, where = {}) {
      const line = whereLine(where);
      if (line) io.stdout(`${line}\n`);
      const view = { ...newRolloutView(label, namespace, requestedBy, at), ...(where.cluster ? { cluster: where.cluster } : {}), ...(where.origin ? { origin: where.origin } : {}) };
      return { channel, view, dirty: false, pendingLines: [], lastUpdateAt: at };
    },
    recordProgress(report, events) {
      for (const event of events) {
        // A failure the engine did not tell as an event of its own (the job stopped on an error) is said here.
        if (event.type === 'failed' && !rolloutEnded) {
          rolloutEnded = true;
          write(message(event.diagnosis.summary, 'stderr'));
        }
      }
      return { ...report, view: events.reduce(applyProgress, report.view) };
    },
    async flushProgress(report) {
      return delivered(report);
    },
    rolloutEvent(event) {
      if (event.type === 'failed' || event.type === 'cancelled' || event.type === 'finished') rolloutEnded = true;
      rendererOf().onEvent(event);
    },
    exitCode(final) {
      if (final.outcome === 'cancelled') return 3;
      if (final.outcome === 'failed') return internal ? 2 : 1;
      return notReady ? 1 : 0;
    },
    stop() {
      renderer?.stop();
    },
  };
}
