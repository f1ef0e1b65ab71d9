// What is deployed where, and what was deployed before: a Lease `mesh-deployed-<app>` in the namespace. Its
// `mesh.dev/deployed-*` annotations describe the last successful rollout (commit, who, when, cluster), listed
// by `/mesh apps`; `mesh.dev/revisions` is the app's bounded history — every finished rollout (succeeded, failed
// or cancelled after applying something) with what is needed to reproduce it: its source (a Git commit, the
// built-in app, or the files themselves when small) and the objects it consisted of, so a rollback can
// re-deploy it and delete what newer revisions added. A Lease because mesh already owns Leases there (the
// rollout lock); it is never held. Annotations hold 256 KiB in all, hence the bound and the size checks.
import type { KubeConfig } from '@kubernetes/client-node';
import { getObject, listObjects } from '../kube/objects';
import { updateLease } from '../kube/lease';
import type { KubeObject } from '../kube/types';
import { UserError } from '../errors';
import { refKey, type ObjectRef } from './preflight';
import type { RolloutSource, RolloutState } from './state';

const RECORD_LABEL = 'mesh.dev/deployed';
const PREFIX = 'mesh.dev/deployed-';

export interface DeploymentRecord {
  app: string;
  namespace: string;
  cluster?: string;
  commit?: string;
  repository?: string;
  ref?: string;
  /** Files of the component, when only a component was deployed. */
  component?: string[];
  by: string;
  at: string;
  rolloutId: string;
}

const recordName = (app: string) => `mesh-deployed-${app}`;

function recordOf(state: RolloutState, at: string): DeploymentRecord {
  const source = state.source;
  return {
    app: state.app,
    namespace: state.namespace,
    ...(state.cluster ? { cluster: state.cluster } : {}),
    ...(source.kind === 'git' ? { commit: source.commit, repository: source.repository, ref: source.ref } : {}),
    ...(source.kind !== 'manifests' && source.only ? { component: source.only } : {}),
    by: state.holder,
    at,
    rolloutId: state.id,
  };
}

export type RevisionOutcome = 'succeeded' | 'failed' | 'cancelled';

/** One finished rollout in the app's history. */
export interface Revision {
  revision: number;
  rolloutId: string;
  outcome: RevisionOutcome;
  at: string;
  by: string;
  approvedBy?: string[];
  cluster?: string;
  commit?: string;
  planHash?: string;
  /** What to deploy again; a `manifests` source without files was too large to record. */
  source: RolloutSource;
  inject: boolean;
  /** Every object of the revision (placed in the namespace), whether or not a failed rollout reached it. */
  objects: ObjectRef[];
  /** This revision was a rollback to that one. */
  rollbackTo?: number;
  /** A traffic shift (src/traffic): the Service's routes before and after; it deployed nothing (no source files, no objects). */
  traffic?: TrafficChange;
}

/** Weighted routes of a Service between its version subsets; `before` absent: mesh routed nothing. */
export interface TrafficChange {
  service: string;
  before?: { subset: string; weight: number }[];
  after?: { subset: string; weight: number }[];
}

export const DEFAULT_HISTORY_LIMIT = 10;
const REVISIONS = 'mesh.dev/revisions';
// Files given to `mesh deploy -f` are kept only while small; a Git commit or the built-in app needs no copy.
const MAX_RECORDED_FILES_CHARS = 32 * 1024;

function recordedSource(source: RolloutSource): RolloutSource {
  if (source.kind !== 'manifests') return source;
  const size = source.files.reduce((n, f) => n + f.text.length, 0);
  return size <= MAX_RECORDED_FILES_CHARS ? source : { kind: 'manifests', files: [] };
}

export function parseRevisions(text: string | undefined): Revision[] {
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? (value as Revision[]).filter((r) => typeof r?.revision === 'number') : [];
  } catch {
    return [];
  }
}

/** The app's history on this cluster, newest first. */
export async function readHistory(kc: KubeConfig, namespace: string, app: string): Promise<Revision[]> {
  const lease = await getObject<KubeObject>(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: recordName(app), namespace } });
  return parseRevisions(lease?.metadata.annotations?.[REVISIONS]).sort((a, b) => b.revision - a.revision);
}

/**
 * Appends a finished rollout to the app's history, keeping the newest `limit` revisions; a succeeded one also
 * becomes the "deployed" record. Idempotent: a re-run step rewrites its own revision (same rollout id).
 */
export async function recordRevision(
  kc: KubeConfig,
  state: RolloutState,
  outcome: RevisionOutcome,
  at: string,
  objects: ObjectRef[],
  limit = DEFAULT_HISTORY_LIMIT,
): Promise<void> {
  const base = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: recordName(state.app), namespace: state.namespace } };
  const source = state.source;
  await updateLease<KubeObject, void>(kc, { namespace: state.namespace, name: recordName(state.app) }, (existing) => {
    const previous = existing?.metadata.annotations ?? {};
    const history = parseRevisions(previous[REVISIONS]);
    const same = history.find((r) => r.rolloutId === state.id);
    const revision: Revision = {
      revision: same?.revision ?? Math.max(0, ...history.map((r) => r.revision)) + 1,
      rolloutId: state.id, outcome, at, by: state.holder,
      ...(state.approvedBy?.length ? { approvedBy: state.approvedBy } : {}),
      ...(state.cluster ? { cluster: state.cluster } : {}),
      ...(source.kind === 'git' ? { commit: source.commit } : {}),
      ...(state.planHash ? { planHash: state.planHash } : {}),
      source: recordedSource(source), inject: state.inject, objects,
      ...(state.rollbackTo !== undefined ? { rollbackTo: state.rollbackTo } : {}),
    };
    const kept = [...history.filter((r) => r.rolloutId !== state.id), revision].sort((a, b) => a.revision - b.revision).slice(-Math.max(1, limit));
    const deployed = outcome === 'succeeded'
      ? Object.fromEntries(Object.entries(recordOf(state, at)).map(([key, value]) => [`${PREFIX}${key}`, Array.isArray(value) ? value.join(',') : String(value)]))
      : Object.fromEntries(Object.entries(previous).filter(([key]) => key.startsWith(PREFIX)));
    const annotations = { ...deployed, [REVISIONS]: JSON.stringify(kept) };
    const labels = { 'app.kubernetes.io/managed-by': 'mesh', 'mesh.dev/app': state.app, ...(Object.keys(deployed).length > 0 ? { [RECORD_LABEL]: 'true' } : {}) };
    return { write: { ...base, metadata: { ...base.metadata, labels, annotations }, spec: {} }, result: undefined };
  });
}

/**
 * Appends a traffic shift to the app's history (same Lease, same bound as rollouts); it changes no "deployed"
 * record. Idempotent per `id`.
 */
export async function recordTrafficRevision(
  kc: KubeConfig,
  shift: { id: string; app: string; namespace: string; cluster?: string; by: string; at: string; approvedBy?: string[]; planHash?: string; rollbackTo?: number; traffic: TrafficChange },
  limit = DEFAULT_HISTORY_LIMIT,
): Promise<number> {
  const base = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: recordName(shift.app), namespace: shift.namespace } };
  const written = await updateLease<KubeObject, number>(kc, { namespace: shift.namespace, name: recordName(shift.app) }, (existing) => {
    const previous = existing?.metadata.annotations ?? {};
    const history = parseRevisions(previous[REVISIONS]);
    const same = history.find((r) => r.rolloutId === shift.id);
    const revision: Revision = {
      revision: same?.revision ?? Math.max(0, ...history.map((r) => r.revision)) + 1,
      rolloutId: shift.id, outcome: 'succeeded', at: shift.at, by: shift.by,
      ...(shift.approvedBy?.length ? { approvedBy: shift.approvedBy } : {}),
      ...(shift.cluster ? { cluster: shift.cluster } : {}),
      ...(shift.planHash ? { planHash: shift.planHash } : {}),
      source: { kind: 'manifests', files: [] }, inject: false, objects: [],
      ...(shift.rollbackTo !== undefined ? { rollbackTo: shift.rollbackTo } : {}),
      traffic: shift.traffic,
    };
    const kept = [...history.filter((r) => r.rolloutId !== shift.id), revision].sort((a, b) => a.revision - b.revision).slice(-Math.max(1, limit));
    const labels = { 'app.kubernetes.io/managed-by': 'mesh', 'mesh.dev/app': shift.app, ...existing?.metadata.labels };
    const write = { ...base, metadata: { ...base.metadata, labels, annotations: { ...previous, [REVISIONS]: JSON.stringify(kept) } }, spec: {} };
    return { write, result: revision.revision };
  });
  if (!written) throw new Error(`could not record the traffic shift in ${shift.namespace}/${recordName(shift.app)}`);
  return written.result;
}

/**
 * What `rollback` restores when it is about traffic: the newest revision is a shift (its routes before), or
 * `to` names a shift (its routes after). Undefined: the rollback is a deploy's.
 */
export function trafficRollbackTarget(history: Revision[], to: number | undefined): { revision: number; service: string; routes?: TrafficChange['after'] } | undefined {
  const chosen = to !== undefined ? history.find((r) => r.revision === to) : history[0];
  if (!chosen?.traffic) return undefined;
  const { service, before, after } = chosen.traffic;
  if (to !== undefined) return { revision: chosen.revision, service, ...(after ? { routes: after } : {}) };
  return { revision: chosen.revision, service, ...(before ? { routes: before } : {}) };
}

/** Every record on the cluster (all namespaces), newest first. */
export async function listRecords(kc: KubeConfig): Promise<DeploymentRecord[]> {
  const { items } = await listObjects(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', labelSelector: `${RECORD_LABEL}=true` });
  return items
    .filter((lease) => lease.metadata.annotations?.[`${PREFIX}app`] !== undefined)
    .map((lease) => {
      const a = lease.metadata.annotations ?? {};
      const get = (key: string) => a[`${PREFIX}${key}`];
      return {
        app: get('app') ?? '', namespace: lease.metadata.namespace ?? '', by: get('by') ?? '', at: get('at') ?? '', rolloutId: get('rolloutId') ?? '',
        ...(get('cluster') ? { cluster: get('cluster') } : {}),
        ...(get('commit') ? { commit: get('commit'), repository: get('repository'), ref: get('ref') } : {}),
        ...(get('component') ? { component: get('component')!.split(',') } : {}),
      } as DeploymentRecord;
    })
    .sort((x, y) => y.at.localeCompare(x.at));
}

/** Which revision a rollback returns to, and what newer revisions added that it deletes. */
export function rollbackTarget(history: Revision[], to: number | undefined): { target: Revision; prune: ObjectRef[] } {
  const newest = history[0];
  if (!newest) throw new UserError('there is no recorded revision to roll back to');
  const target = to !== undefined
    ? history.find((r) => r.revision === to)
    : history.find((r) => r.revision < newest.revision && r.outcome === 'succeeded' && !r.traffic);
  if (!target) {
    const known = history.map((r) => `#${r.revision} ${r.outcome}`).join(', ');
    throw new UserError(to !== undefined ? `revision ${to} is not in the history (kept: ${known})` : `no earlier revision succeeded (kept: ${known})`);
  }
  if (target.source.kind === 'manifests' && target.source.files.length === 0) {
    throw new UserError(`revision ${target.revision} was deployed from local files too large to record; deploy them again with mesh deploy -f`);
  }
  const key = refKey;
  const kept = new Set(target.objects.map(key));
  const prune = new Map<string, ObjectRef>();
  for (const r of history.filter((h) => h.revision > target.revision)) for (const o of r.objects) if (!kept.has(key(o))) prune.set(key(o), o);
  return { target, prune: [...prune.values()] };
}
