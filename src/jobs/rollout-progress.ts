// The rollout engine's events as a job's progress events (what the channel needs to see).
import type { RolloutEvent } from '../rollout/events';
import type { ProgressEvent } from './progress';

function eventLine(e: { type?: string; reason?: string; message?: string }): string {
  return [e.type, e.reason].filter(Boolean).join(' ') + (e.message ? `: ${e.message}` : '');
}

export function toProgress(event: RolloutEvent): ProgressEvent {
  const at = Date.parse(event.at);
  switch (event.type) {
    case 'started':
      return { type: 'started', at, rolloutId: event.rolloutId, stages: event.stages.map((s) => s.name) };
    case 'planned': {
      const c = event.counts;
      const deleted = event.deleted.length > 0 ? ` (${event.deleted.join(', ')})` : '';
      return { type: 'note', at, topic: 'plan', text: `Plan ${event.hash.slice(0, 12)}: ${c.create} to create, ${c.change} to change, ${c.unchanged} unchanged, ${c.delete} to delete${deleted}` };
    }
    case 'object-deleted':
      if (event.kept) return { type: 'note', at, topic: 'deleted', text: `${event.object} not deleted: ${event.kept}` };
      return { type: 'note', at, topic: 'deleted', text: `${event.object} deleted (not part of the revision rolled back to)` };
    case 'stage-started':
      return { type: 'stage-started', at, stage: event.stage };
    case 'object-applied':
      return { type: 'object-applied', at, stage: event.stage, object: event.object, action: event.result };
    case 'object-ready':
      return { type: 'object-ready', at, stage: event.stage, object: event.object };
    case 'stage-done':
      return { type: 'stage-done', at, stage: event.stage };
    case 'failed': {
      const d = event.diagnosis;
      const problems = (event.problems ?? []).map((p) => `${p.file}${p.line ? `:${p.line}` : ''}${p.object ? ` ${p.object}` : ''}: ${p.reason}`);
      const pending = (d?.pending ?? []).map((p) => `not ready: ${p.object}: ${p.message}`);
      return {
        type: 'failed',
        at,
        ...(event.stage ? { stage: event.stage } : {}),
        diagnosis: {
          summary: d ? `${event.message} (${d.object}: ${d.reason}${d.message ? ` — ${d.message}` : ''})` : event.message,
          ...(d?.object ? { object: d.object } : {}),
          ...(d?.pod ? { pod: d.pod } : {}),
          ...(d?.reason ? { reason: d.reason } : {}),
          events: [...problems, ...pending, ...(d?.events ?? []).map(eventLine)],
        },
      };
    }
    case 'cancelled':
      return { type: 'cancelled', at, ...(event.stage ? { stage: event.stage } : {}) };
    case 'api-unreachable':
      return { type: 'note', at, text: `API server ${event.server} unreachable (${event.error}); retrying` };
    case 'api-recovered':
      return { type: 'note', at, text: `API server ${event.server} answers again after ${(event.downMs / 1000).toFixed(0)} s unreachable; resuming` };
    case 'history-not-recorded':
      return { type: 'note', at, text: `The app's history (/mesh history, /mesh rollback) could not record this rollout${event.outcome === 'running' ? '' : ` as ${event.outcome}`}: ${event.error}` };
    case 'finished':
      return { type: 'finished', at, stageDurations: Object.fromEntries(event.stages.map((s) => [s.name, s.durationMs])) };
  }
}
