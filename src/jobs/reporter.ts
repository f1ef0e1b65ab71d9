// The port through which a job tells people what happened: the job says *what* (the views below, plain data)
// and the reporter — src/slack/reporter.ts, wired in by the console and the worker Lambda — decides how it
// looks and delivers it. Everything a job keeps of a report (replies, progress) is JSON in the job's state.
import type { AppStatus } from '../rollout/status';
import type { RestartReport } from '../autoinject';
import type { Job } from './job';
import type { ProgressEvent, RolloutView } from './progress';
import type { CanaryState } from '../traffic/canary';
import type { RolloutEvent } from '../rollout/events';

/** A message as the reporter rendered it; jobs carry it in their state and hand it back, never look inside. */
export interface ReportMessage {
  /** Notification fallback, always sent. */
  text: string;
  blocks: readonly object[];
}

export interface ReportFile {
  filename: string;
  title: string;
  content: string;
}

/** A reply waiting to be delivered: to the requester only (ephemeral) or in the channel, with an optional file. */
export interface PendingReply {
  visibility: 'ephemeral' | 'channel';
  message: ReportMessage;
  file?: ReportFile;
  postedTs?: string;
  /** Replace this message instead of posting a new one. */
  updateTs?: string;
  /** Replies in the message's thread, after the message (and its file); `threadSent` of them are delivered. */
  thread?: ReportMessage[];
  threadSent?: number;
}

/** A reply the reporter could not deliver (whole or in part): what is left, and why. */
export interface UndeliveredReply {
  left: PendingReply;
  error: string;
  /** The door asked not to be called before this time (ms), e.g. a Retry-After. */
  retryAt?: number;
}

/** A rollout's progress report: one message updated in place, details as they come. */
export interface ProgressReport {
  channel: string;
  parentTs?: string;
  view: RolloutView;
  /** The parent message no longer shows the latest view. */
  dirty: boolean;
  /** Detail lines not yet delivered, as the reporter rendered them. */
  pendingLines: string[];
  lastUpdateAt: number;
  lastError?: string;
  /** The door rate-limited us: no call before this time (ms), as its Retry-After asked. */
  notBefore?: number;
}

/** True when everything (the final view included) reached the channel. */
export function progressDelivered(report: ProgressReport): boolean {
  return report.parentTs !== undefined && !report.dirty && report.pendingLines.length === 0;
}

export interface InjectSummary {
  app: string;
  /** What the Apply button deploys (`guestbook.helloworld`); the app name when absent. */
  reference?: string;
  /** Where the YAML came from: the component's files, the Git commit. */
  origin?: string;
  cluster?: string;
  /** The Git commit shown, which the Apply button deploys (not whatever the branch says by then). */
  commit?: string;
  namespace: string;
  requestedBy: string;
  proxyImage: string;
  /** Which injector made the YAML, e.g. "the cluster's injector … (revision default, …)". */
  injectedBy?: string;
  workloads: { kind: string; name: string; injected: boolean; containersAdded: string[] }[];
  warnings: string[];
  yaml: string;
}

export interface AutoinjectSummary {
  action: 'enable' | 'disable' | 'status';
  namespace: string;
  /** The command did what was asked. */
  ok: boolean;
  enabled: boolean;
  /** Workloads whose pods run without the sidecar (they need a restart to get one). */
  missingSidecar: string[];
  /** Workloads whose sidecar differs from what the injector gives now, with why (a restart updates it). */
  drifted?: string[];
  detail?: string;
}

export interface AppListView {
  /** Where the registry comes from. */
  source: string;
  apps: { name: string; source: string; limits: string[] }[];
  /** `target`: how the cluster is reached (`context staging-admin in ~/.kube/staging.yaml`, `EKS prod-eks …`). */
  clusters: { name: string; isDefault: boolean; target?: string }[];
  /** What is deployed where, one plain-text line each (or why a cluster could not say). */
  deployed: string[];
}

export interface PlanCountsView {
  create: number;
  change: number;
  unchanged: number;
  delete: number;
}

export interface ApprovalView {
  id: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'refused';
  rule: string;
  required: number;
  approvals: string[];
  validUntil: string;
  channel: string;
  requester: string;
  app: string;
  cluster?: string;
  decidedBy?: string;
  reason?: string;
}

export interface PlanView {
  label: string;
  namespace: string;
  cluster?: string;
  origin?: string;
  requestedBy: string;
  hash: string;
  stages: { name: string; counts: PlanCountsView }[];
  counts: PlanCountsView;
  deleted: string[];
  problems: string[];
  /** A rollback to this revision. */
  rollbackTo?: number;
  approval?: ApprovalView;
  /** A traffic shift instead of a deploy: the Service's routes before and after, as text (`v1 80%, v2 20%`). */
  traffic?: { service: string; before: string; after: string };
}

/** A traffic shift that was made (src/traffic): routes before and after, the revision that records it. */
export interface TrafficShiftView {
  label: string;
  service: string;
  namespace: string;
  cluster?: string;
  requestedBy: string;
  before: string;
  after: string;
  revision: number;
  /** Undoing the shift recorded as this revision (a rollback). */
  undid?: number;
  approvedBy?: string[];
}

/** One step in an approval's life, told in the plan's thread. */
export type ApprovalEvent =
  | { kind: 'requested'; user: string; hash: string; command: string; approvals: number; rule: string; validUntil: string }
  | { kind: 'expired'; validUntil: string }
  | { kind: 'replaced'; user: string; hash: string }
  | { kind: 'too-late'; user: string; decision: 'approve' | 'reject'; validUntil: string }
  | { kind: 'rejected'; user: string; hash: string }
  | { kind: 'approved'; user: string; approvals: number; required: number }
  | { kind: 'not-started'; user: string; reason: string }
  | { kind: 'starting'; user: string; approvals: number; required: number; hash: string; shift?: boolean };

export interface HistoryView {
  app: string;
  namespace: string;
  cluster?: string;
  revisions: {
    revision: number;
    outcome: string;
    reason?: string;
    at: string;
    by: string;
    approvedBy?: string[];
    commit?: string;
    planHash?: string;
    rollbackTo?: number;
    objects: number;
    /** A traffic shift: `helloworld: v1 100% → v1 80%, v2 20%`. */
    traffic?: string;
  }[];
  limit: number;
}

/** A canary release's parent message: the weights now, the step, and how it ended. */
export interface CanaryView extends Pick<CanaryState, 'id' | 'app' | 'service' | 'namespace' | 'cluster' | 'target' | 'stable' | 'steps' | 'intervalSeconds'> {
  /** The routes now, as text (`v1 75%, v2 25%`). */
  weights: string;
  /** 1-based step whose weight is in place (0: none yet), of `steps`. */
  step: number;
  status: 'running' | 'finished' | 'failed' | 'cancelled';
  reason?: string;
  requestedBy: string;
  /** What the gates judge: readiness only, or also the named Prometheus. */
  metrics?: string;
}

/** One line of a canary's thread: a step that passed, the last step, a failure or a cancel. */
export interface CanaryLine {
  outcome: 'passed' | 'finished' | 'failed' | 'cancelled';
  text: string;
}

/** How each job's answer looks; the reporter's renderers. */
export interface JobMessages {
  /** An inject preview: the summary, with the YAML as a file when it is too long for the message. */
  injectPreview(summary: InjectSummary): { message: ReportMessage; file?: ReportFile };
  autoinject(summary: AutoinjectSummary): ReportMessage;
  appList(view: AppListView): ReportMessage;
  status(status: AppStatus, cluster: string | undefined): ReportMessage;
  cancelRequested(rolloutId: string, found: boolean): ReportMessage;
  restarted(user: string, report: RestartReport): ReportMessage;
  plan(view: PlanView): ReportMessage;
  /** The full diff of a plan, for its thread: replies, and a file when it is long. */
  planDiff(diff: string, hash: string): { replies: ReportMessage[]; file?: ReportFile };
  approvalEvent(event: ApprovalEvent): ReportMessage;
  history(view: HistoryView): ReportMessage;
  trafficShifted(view: TrafficShiftView): ReportMessage;
  canary(view: CanaryView): ReportMessage;
  canaryLine(line: CanaryLine): ReportMessage;
  /** A request the job turned down (an approval that does not apply, …); nothing was changed. */
  refused(reason: string): ReportMessage;
  /** A user's mistake (bad app, namespace, …) found by a one-step job. */
  userError(message: string): ReportMessage;
  /** A job that failed: a user's mistake, or (`internal`) an error of mesh or its surroundings. */
  jobFailed(message: string, internal: boolean): ReportMessage;
  notAJob(text: string): ReportMessage;
}

/** Where a job's messages go. Delivery failures never throw: they come back as what is left to deliver. */
export interface JobReporter {
  readonly messages: JobMessages;
  /** Delivers a reply with its thread and file; undefined once all of it is out. */
  deliver(job: Job, reply: PendingReply): Promise<UndeliveredReply | undefined>;
  /** Posts a message in a channel (in a thread when `threadTs` is given) and resolves to its id; throws on failure. */
  post(channel: string, message: ReportMessage, threadTs?: string): Promise<string>;
  /** Replaces a posted message; throws on failure. */
  update(channel: string, ts: string, message: ReportMessage): Promise<void>;
  startProgress(channel: string, label: string, namespace: string, requestedBy: string, at: number, where?: { origin?: string; cluster?: string }): ProgressReport;
  recordProgress(report: ProgressReport, events: ProgressEvent[]): ProgressReport;
  /** Sends what is pending (the latest view, new details); never throws (the report keeps the error). */
  flushProgress(report: ProgressReport, now: () => number): Promise<ProgressReport>;
  /**
   * Each of the rollout engine's own events as it happens, for a door that shows them as they are (the CLI's
   * text, src/cli/text-reporter.ts); the progress report gets the same events as well.
   */
  rolloutEvent?(event: RolloutEvent): void;
}
