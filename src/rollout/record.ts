// What is deployed where, and what was deployed before.
//
// The deployed record: a Lease `mesh-deployed-<app>` in the app's namespace whose `mesh.dev/deployed-*`
// annotations describe the last successful rollout (commit, who, when, cluster), listed across namespaces by
// `/mesh apps`. Small and fixed in size, so a Lease (mesh already owns Leases there: the rollout lock).
//
// The history: one Secret per revision (as Helm keeps one per release), in mesh's own namespace `mesh-system`,
// named `mesh.revision.<namespace>.<app>.v<n>`, labelled with the app, its namespace, the revision number and
// the outcome so the app's revisions are listed by a label selector, the revision itself gzip-compressed JSON
// in `data.revision`. Every finished rollout that applied something is one revision — succeeded, failed
// (whatever stopped it: a stage, the deadline, a lost lock, an unreachable API server) or cancelled — with
// what reproduces it (a Git commit, the built-in app, or the files themselves while they fit) and its objects,
// so a rollback can deploy it again and delete what newer revisions added. A Secret holds 1 MiB, compressed:
// an app of tens of thousands of objects fits, and each revision has its own. The newest `limit` are kept.
//
// mesh-system rather than the app's namespace: the bot then needs Secret rights in one namespace only (a
// Role), never the right to read every Secret of the cluster; and an app's history outlives its namespace.
//
// Before this, the whole history was a JSON list in the deployed Lease's `mesh.dev/revisions` annotation
// (256 KiB for all annotations). It is still read, and moved into Secrets by the app's next rollout.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeConfig } from '@kubernetes/client-node';
import { createObject, deleteObject, ensureNamespace, getObject, listObjects, replaceObject } from '../kube/objects';
import { updateLease } from '../kube/lease';
import { isConflict, isNotFound } from '../kube/request';
import type { KubeObject } from '../kube/types';
import { errorMessage, UserError } from '../errors';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';
import { readLock } from './lock';
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

/**
 * `running` is written before the first object is applied and replaced by the outcome at the end, so a rollout
 * whose end could not be written (its API server gone for good, its process killed) stays in the history; read
 * back after its lock is gone it is `interrupted`.
 */
export type RevisionOutcome = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** One finished rollout in the app's history. */
export interface Revision {
  revision: number;
  rolloutId: string;
  outcome: RevisionOutcome;
  /** What stopped a failed rollout: `stage`, `deadline`, `lock-lost`, `unreachable`, `error`. */
  reason?: string;
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
/** mesh's own namespace, where the history Secrets live (the bot's generated RBAC grants it Secrets there only). */
export const HISTORY_NAMESPACE = 'mesh-system';
const LEGACY_REVISIONS = 'mesh.dev/revisions';
const SECRET_TYPE = 'mesh.dev/revision.v1';
const LABEL = { app: 'mesh.dev/app', namespace: 'mesh.dev/app-namespace', revision: 'mesh.dev/revision', outcome: 'mesh.dev/outcome' };
const ROLLOUT_ANNOTATION = 'mesh.dev/rollout-id';
// A Secret's data may hold 1 MiB; the rest of the object and some slack stay below it.
const MAX_PAYLOAD_BYTES = 960 * 1024;

export const revisionSecretName = (namespace: string, app: string, revision: number) => `mesh.revision.${namespace}.${app}.v${revision}`;
const historySelector = (namespace: string, app: string) => `${LABEL.app}=${app},${LABEL.namespace}=${namespace}`;

interface RevisionSecret extends KubeObject {
  data?: Record<string, string>;
}

export function encodeRevision(revision: Revision): Buffer {
  return gzipSync(JSON.stringify(revision));
}

export function decodeRevision(data: string): Revision {
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as Revision;
}

/**
 * The compressed revision, with the files of a `mesh deploy -f` source while the whole fits in one Secret; when
 * it does not, without them (a rollback then asks for the files again). Only a list of objects too long for
 * 1 MiB even compressed (hundreds of thousands) cannot be recorded at all.
 */
export function revisionPayload(revision: Revision): Buffer {
  const full = encodeRevision(revision);
  if (full.length <= MAX_PAYLOAD_BYTES) return full;
  const lean = revision.source.kind === 'manifests' ? encodeRevision({ ...revision, source: { kind: 'manifests', files: [] } }) : full;
  if (lean.length <= MAX_PAYLOAD_BYTES) return lean;
  throw new Error(`revision ${revision.revision} (${revision.objects.length} objects) is ${Math.round(lean.length / 1024)} KiB compressed, more than a Secret holds`);
}

/** The Lease-annotation history of earlier mesh versions; undefined when the annotation is not a list of revisions. */
export function parseRevisions(text: string | undefined): Revision[] | undefined {
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? (value as Revision[]).filter((r) => typeof r?.revision === 'number') : undefined;
  } catch {
    return undefined;
  }
}

const leaseRef = (namespace: string, app: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: recordName(app), namespace } });

async function legacyHistory(kc: KubeConfig, namespace: string, app: string): Promise<{ revisions: Revision[]; present: boolean; readable: boolean }> {
  const lease = await getObject<KubeObject>(kc, leaseRef(namespace, app));
  const text = lease?.metadata.annotations?.[LEGACY_REVISIONS];
  const revisions = parseRevisions(text);
  return { revisions: revisions ?? [], present: text !== undefined, readable: revisions !== undefined };
}

async function historySecrets(kc: KubeConfig, namespace: string, app: string): Promise<RevisionSecret[]> {
  try {
    const list = await listObjects<RevisionSecret>(kc, { apiVersion: 'v1', kind: 'Secret', namespace: HISTORY_NAMESPACE, labelSelector: historySelector(namespace, app) });
    return list.items;
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

const numberOf = (secret: RevisionSecret) => Number(secret.metadata.labels?.[LABEL.revision]);

/** The app's history on this cluster, newest first: its revision Secrets, and a history of earlier mesh versions not yet moved. */
export async function readHistory(kc: KubeConfig, namespace: string, app: string): Promise<Revision[]> {
  const [secrets, legacy, lock] = await Promise.all([historySecrets(kc, namespace, app), legacyHistory(kc, namespace, app), readLock(kc, namespace, app)]);
  const revisions = secrets.map((secret) => {
    try {
      return decodeRevision(secret.data?.revision ?? '');
    } catch (error) {
      throw new Error(`the history Secret ${HISTORY_NAMESPACE}/${secret.metadata.name} is unreadable (${errorMessage(error)}); delete it to go on without that revision`, { cause: error });
    }
  });
  const stored = new Set(revisions.map((r) => r.revision));
  const settled = revisions.map((r): Revision => (r.outcome === 'running' && lock?.rolloutId !== r.rolloutId ? { ...r, outcome: 'interrupted' } : r));
  return [...settled, ...legacy.revisions.filter((r) => !stored.has(r.revision))].sort((a, b) => b.revision - a.revision);
}

function revisionSecret(namespace: string, app: string, revision: Revision, payload: Buffer): RevisionSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: SECRET_TYPE,
    metadata: {
      name: revisionSecretName(namespace, app, revision.revision),
      namespace: HISTORY_NAMESPACE,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY_MESH,
        [LABEL.app]: app,
        [LABEL.namespace]: namespace,
        [LABEL.revision]: String(revision.revision),
        [LABEL.outcome]: revision.outcome,
      },
      annotations: { [ROLLOUT_ANNOTATION]: revision.rolloutId },
    },
    data: { revision: payload.toString('base64') },
  };
}

/** Creates a revision's Secret (and mesh-system on first use); false when that revision number is taken. */
async function createRevision(kc: KubeConfig, secret: RevisionSecret): Promise<boolean> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await createObject(kc, secret);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      if (!isNotFound(error) || attempt > 0) throw error;
      await ensureNamespace(kc, HISTORY_NAMESPACE, { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH } });
    }
  }
}

/**
 * Writes the revision of `rolloutId` (rewriting its own on a re-run, else taking the next number), moving a legacy
 * history into Secrets first, then keeps the newest `limit`; shared by rollouts and traffic shifts.
 */
async function storeRevision(kc: KubeConfig, namespace: string, app: string, rolloutId: string, entry: (revision: number) => Revision, limit: number): Promise<{ recorded: number; legacy: Awaited<ReturnType<typeof legacyHistory>> }> {
  const legacy = await legacyHistory(kc, namespace, app);
  let recorded: number | undefined;
  for (let attempt = 0; attempt < 5 && recorded === undefined; attempt += 1) {
    const secrets = await historySecrets(kc, namespace, app);
    const numbers = new Set(secrets.map(numberOf));
    // The history of an earlier mesh version moves into Secrets first, so its numbers stay taken.
    for (const old of legacy.revisions.filter((r) => !numbers.has(r.revision))) {
      await createRevision(kc, revisionSecret(namespace, app, old, revisionPayload(old)));
      numbers.add(old.revision);
    }
    const own = secrets.find((s) => s.metadata.annotations?.[ROLLOUT_ANNOTATION] === rolloutId);
    if (own) {
      const revision = entry(numberOf(own));
      const secret = revisionSecret(namespace, app, revision, revisionPayload(revision));
      await replaceObject(kc, { ...secret, metadata: { ...secret.metadata, resourceVersion: own.metadata.resourceVersion } });
      recorded = revision.revision;
      break;
    }
    const revision = entry(Math.max(0, ...numbers) + 1);
    if (await createRevision(kc, revisionSecret(namespace, app, revision, revisionPayload(revision)))) recorded = revision.revision;
  }
  if (recorded === undefined) throw new Error(`other rollouts of ${app} kept taking the next revision number`);
  await pruneHistory(kc, namespace, app, limit);
  return { recorded, legacy };
}

/**
 * Appends a finished rollout to the app's history as its own Secret, keeping the newest `limit` revisions; a
 * succeeded one also becomes the "deployed" record. Idempotent: a re-run step rewrites its own revision (same
 * rollout id). Two rollouts recording at once (a lost lock's old holder and its new one) get different numbers.
 * Throws when the history could not be written: the caller tells the user.
 */
export async function recordRevision(
  kc: KubeConfig,
  state: RolloutState,
  outcome: RevisionOutcome,
  at: string,
  objects: ObjectRef[],
  limit = DEFAULT_HISTORY_LIMIT,
  reason?: string,
): Promise<number> {
  const { namespace, app } = state;
  const source = state.source;
  const entry = (revision: number): Revision => ({
    revision, rolloutId: state.id, outcome, ...(reason ? { reason } : {}), at, by: state.holder,
    ...(state.approvedBy?.length ? { approvedBy: state.approvedBy } : {}),
    ...(state.cluster ? { cluster: state.cluster } : {}),
    ...(source.kind === 'git' ? { commit: source.commit } : {}),
    ...(state.planHash ? { planHash: state.planHash } : {}),
    source, inject: state.inject, objects,
    ...(state.rollbackTo !== undefined ? { rollbackTo: state.rollbackTo } : {}),
  });
  const { recorded, legacy } = await storeRevision(kc, namespace, app, state.id, entry, limit);
  if (outcome === 'succeeded' || (legacy.present && legacy.readable)) await writeDeployedRecord(kc, state, outcome, at);
  return recorded;
}

/** Deletes all but the newest `limit` revisions of the app. */
async function pruneHistory(kc: KubeConfig, namespace: string, app: string, limit: number): Promise<void> {
  const secrets = (await historySecrets(kc, namespace, app)).sort((a, b) => numberOf(b) - numberOf(a));
  for (const old of secrets.slice(Math.max(1, limit))) await deleteObject(kc, { apiVersion: 'v1', kind: 'Secret', metadata: { name: old.metadata.name, namespace: HISTORY_NAMESPACE } });
}

/** The deployed record after a rollout: rewritten when it succeeded; the moved history annotation is dropped either way. */
async function writeDeployedRecord(kc: KubeConfig, state: RolloutState, outcome: RevisionOutcome, at: string): Promise<void> {
  const base = leaseRef(state.namespace, state.app);
  const written = await updateLease<KubeObject, void>(kc, { namespace: state.namespace, name: recordName(state.app) }, (existing) => {
    const previous = existing?.metadata.annotations ?? {};
    const deployed = outcome === 'succeeded'
      ? Object.fromEntries(Object.entries(recordOf(state, at)).map(([key, value]) => [`${PREFIX}${key}`, Array.isArray(value) ? value.join(',') : String(value)]))
      : Object.fromEntries(Object.entries(previous).filter(([key]) => key.startsWith(PREFIX)));
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_MESH, 'mesh.dev/app': state.app, ...(Object.keys(deployed).length > 0 ? { [RECORD_LABEL]: 'true' } : {}) };
    return { write: { ...base, metadata: { ...base.metadata, labels, annotations: deployed }, spec: {} }, result: undefined };
  });
  if (!written) throw new Error(`the deployed record ${state.namespace}/${recordName(state.app)} kept changing under concurrent writers`);
}

/**
 * Appends a traffic shift to the app's history (a revision Secret, the same bound as rollouts); it changes no "deployed"
 * record. Idempotent per `id`.
 */
export async function recordTrafficRevision(
  kc: KubeConfig,
  shift: { id: string; app: string; namespace: string; cluster?: string; by: string; at: string; approvedBy?: string[]; planHash?: string; rollbackTo?: number; traffic: TrafficChange },
  limit = DEFAULT_HISTORY_LIMIT,
): Promise<number> {
  const entry = (revision: number): Revision => ({
    revision, rolloutId: shift.id, outcome: 'succeeded', at: shift.at, by: shift.by,
    ...(shift.approvedBy?.length ? { approvedBy: shift.approvedBy } : {}),
    ...(shift.cluster ? { cluster: shift.cluster } : {}),
    ...(shift.planHash ? { planHash: shift.planHash } : {}),
    source: { kind: 'manifests', files: [] }, inject: false, objects: [],
    ...(shift.rollbackTo !== undefined ? { rollbackTo: shift.rollbackTo } : {}),
    traffic: shift.traffic,
  });
  const { recorded } = await storeRevision(kc, shift.namespace, shift.app, shift.id, entry, limit);
  return recorded;
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
