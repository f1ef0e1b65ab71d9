// Slack outages, rate limits and incidents for the tests, played through the Slack stand-in's intercept
// (src/slack/standin.ts): `startSlackStandin({ intercept: faults.intercept })`, or the console's
// `startConsole({ slackStandin: { intercept: faults.intercept } })`.
import type { ServerResponse } from 'node:http';
import type { StandinIntercept, StandinRequest } from '../../src/slack/standin';

export type IncidentPhase =
  | { kind: 'ratelimited'; forMs: number; retryAfterSeconds: number }
  | { kind: 'error'; forMs: number; status?: number }
  | { kind: 'timeout'; forMs: number };

export interface SlackFaults {
  intercept: StandinIntercept;
  /** While true every request gets HTTP 503 (a Slack outage). */
  setDown(down: boolean): void;
  /** How many requests were refused during outages. */
  refusedWhileDown(): number;
  /** The next `count` Web API calls answer 429 with Retry-After `seconds`. */
  rateLimitNext(count: number, seconds: number): void;
  /**
   * Plays an incident on the Web API, phase after phase from now, then normal service: `ratelimited` answers
   * 429 with Retry-After, `error` an HTTP status (500), `timeout` holds the request unanswered and unprocessed
   * until the caller gives up (or the phase ends, when the socket is dropped). Nothing is processed meanwhile.
   * Each phase lasts `forMs` from the first call it refuses (the first phase from now, unless no call reaches it),
   * so every phase is met: callers waiting out a Retry-After would otherwise sleep through a whole later phase.
   */
  playIncident(phases: IncidentPhase[]): void;
  /** What the incident refused, per phase kind, and requests that came back before the Retry-After they were given. */
  incidentReport(): { ratelimited: number; error: number; timeout: number; beforeRetryAfter: number };
}

export function slackFaults(): SlackFaults {
  let down = false;
  let refused = 0;
  let rateLimited = { count: 0, seconds: 1 };
  let incident: { phase: IncidentPhase; startedAt?: number; refused: number }[] = [];
  const report = { ratelimited: 0, error: 0, timeout: 0, beforeRetryAfter: 0 };
  let retryAfterUntil = 0;

  const currentPhase = (): { phase: IncidentPhase; until: number } | undefined => {
    const now = Date.now();
    for (;;) {
      const head = incident[0];
      if (!head) return undefined;
      // A phase that no call has reached yet starts (or starts over) with the first call that does.
      if (head.startedAt === undefined || (head.refused === 0 && now >= head.startedAt + head.phase.forMs)) head.startedAt = now;
      const until = head.startedAt + head.phase.forMs;
      if (now < until) {
        head.refused += 1;
        return { phase: head.phase, until };
      }
      incident.shift();
    }
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const intercept = (request: StandinRequest, res: ServerResponse): string | undefined => {
    if (down) {
      refused += 1;
      res.writeHead(503).end('slack is down');
      return '503';
    }
    if (request.endpoint !== 'api') return undefined;
    if (Date.now() < retryAfterUntil) report.beforeRetryAfter += 1;
    const fault = currentPhase();
    if (fault) {
      const { phase, until } = fault;
      report[phase.kind] += 1;
      if (phase.kind === 'ratelimited') {
        retryAfterUntil = Date.now() + phase.retryAfterSeconds * 1000 - 50;
        send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(phase.retryAfterSeconds) });
      } else if (phase.kind === 'error') {
        send(res, phase.status ?? 500, { ok: false, error: 'internal_error' });
      } else {
        const drop = setTimeout(() => res.destroy(), until - Date.now());
        res.on('close', () => clearTimeout(drop));
      }
      return phase.kind;
    }
    if (rateLimited.count > 0) {
      rateLimited.count -= 1;
      send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(rateLimited.seconds) });
      return '429';
    }
    return undefined;
  };

  return {
    intercept,
    setDown: (value) => {
      down = value;
    },
    refusedWhileDown: () => refused,
    rateLimitNext: (count, seconds) => {
      rateLimited = { count, seconds };
    },
    playIncident: (phases) => {
      incident = phases.map((phase, index) => ({ phase, refused: 0, ...(index === 0 ? { startedAt: Date.now() } : {}) }));
    },
    incidentReport: () => ({ ...report }),
  };
}
