// One structured JSON line per /mesh command or button: who, where, what, the decision and how it ended.
// Secrets never appear: only ids, the parsed command and outcomes.

export type AuditDecision = 'allow' | 'deny' | 'invalid';
export type AuditOutcome = 'answered' | 'dispatched' | 'denied' | 'rejected' | 'error';

export interface AuditRecord {
  type: 'mesh.audit';
  time: string;
  user: string;
  team?: string;
  channel: string;
  source: 'command' | 'button';
  command: string;
  permission?: string;
  namespace?: string;
  /** The cluster the command names (`--cluster`); the job's log lines carry the one it used. */
  cluster?: string;
  decision: AuditDecision;
  outcome: AuditOutcome;
  reason?: string;
  jobId?: string;
  durationMs: number;
}

export type AuditSink = (line: string) => void;

export const stdoutAuditSink: AuditSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export function auditLine(record: Omit<AuditRecord, 'type' | 'time'>, now: Date = new Date()): string {
  const full: AuditRecord = { type: 'mesh.audit', time: now.toISOString(), ...record };
  return JSON.stringify(full);
}
