// The rollout's events and diagnoses as the CLI prints them (the engine emits data and knows no door).
import { formatProblem, type Diagnosis, type RolloutEvent } from '../rollout';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Plain-text lines of one event (the CLI's non-TTY output, logs). */
export function eventLines(event: RolloutEvent): string[] {
  switch (event.type) {
    case 'started':
      return [
        `rollout ${event.rolloutId}: ${event.app} into namespace ${event.namespace}, ${event.stages.length} stage(s): ${event.stages.map((s) => s.name).join(' → ')}`,
      ];
    case 'planned': {
      const c = event.counts;
      return [`plan ${event.hash.slice(0, 12)}: ${c.create} to create, ${c.change} to change, ${c.unchanged} unchanged, ${c.delete} to delete${event.deleted.length ? ` (${event.deleted.join(', ')})` : ''}`];
    }
    case 'object-deleted':
      return [event.kept ? `  ${event.object} kept: ${event.kept}` : `  ${event.object} deleted`];
    case 'stage-started':
      return [`stage ${event.index + 1}/${event.total} ${event.stage}: applying`];
    case 'object-applied':
      return [`  ${event.object} ${event.result}`];
    case 'object-ready':
      return [`  ${event.object} ready`];
    case 'stage-done':
      return [`stage ${event.index + 1} ${event.stage}: ready in ${seconds(event.durationMs)}`];
    case 'failed': {
      const lines = [`FAILED${event.stage ? ` in stage ${event.stage}` : ''}: ${event.message}`];
      for (const p of event.problems ?? []) lines.push(`  ${formatProblem(p)}`);
      if (event.diagnosis) lines.push(...renderDiagnosis(event.diagnosis).map((l) => `  ${l}`));
      if (event.reason !== 'preflight' && event.reason !== 'plan-changed' && event.reason !== 'locked' && event.reason !== 'unreachable') {
        lines.push(`  applied so far: ${event.applied.length ? event.applied.join(', ') : 'nothing'}`);
      }
      return lines;
    }
    case 'cancelled':
      return [
        `CANCELLED by ${event.by}${event.stage ? ` during stage ${event.stage}` : ''}`,
        `  applied so far: ${event.applied.length ? event.applied.join(', ') : 'nothing'}`,
      ];
    case 'api-unreachable':
      return [`API server ${event.server} unreachable${event.stage ? ` during stage ${event.stage}` : ''} (${event.error}); retrying`];
    case 'api-recovered':
      return [`API server ${event.server} answers again after ${seconds(event.downMs)} unreachable; resuming`];
    case 'history-not-recorded':
      return [`WARNING: the app's history (mesh history, mesh rollback) could not record this rollout${event.outcome === 'running' ? '' : ` as ${event.outcome}`}: ${event.error}`];
    case 'finished':
      return [
        `finished in ${seconds(event.durationMs)} (${event.stages.map((s) => `${s.name} ${seconds(s.durationMs)}`).join(', ')})`,
      ];
  }
}

/** Multi-line text of a diagnosis, for the CLI and logs. */
export function renderDiagnosis(d: Diagnosis): string[] {
  const lines = [`${d.object}: ${d.reason}${d.pod ? ` (pod ${d.pod})` : ''}`, `  ${d.message}`];
  if (d.events.length > 0) {
    lines.push('  last events:');
    for (const e of d.events) lines.push(`    ${[e.at, e.type, e.reason].filter(Boolean).join(' ')}: ${e.message ?? ''}`);
  }
  const others = d.pending.filter((p) => p.object !== d.object);
  if (others.length > 0) {
    lines.push('  also not ready:');
    for (const p of others) lines.push(`    ${p.object}: ${p.message}`);
  }
  return lines;
}
