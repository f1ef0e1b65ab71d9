import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { deleteObject, getObject, replaceObject } from '../kube/objects';
import { updateLease } from '../kube/lease';
import { isConflict } from '../kube/request';
import type { KubeObject } from '../kube/types';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';

/**
 * One rollout per namespace+app: a coordination.k8s.io/v1 Lease `mesh-rollout-<app>` in the namespace. The
 * holder renews it between steps; a lease not renewed for leaseDurationSeconds is stale and can be taken
 * over, as is one whose holder process on this very host has exited (a killed CLI).
 */
const ANNOTATION = {
  holder: 'mesh.dev/holder',
  command: 'mesh.dev/command',
  process: 'mesh.dev/process',
  cluster: 'mesh.dev/cluster',
  cancel: 'mesh.dev/cancel-requested-by',
};

export interface LockIdentity {
  rolloutId: string;
  holder: string;
  command: string;
  /** The cluster's registry name, recorded so a reader of the Lease knows which cluster it guards. */
  cluster?: string;
}

export interface LockInfo {
  rolloutId: string;
  holder: string;
  command: string;
  since: string;
  renewedAt: string;
  leaseDurationSeconds: number;
  process?: string;
  cancelRequestedBy?: string;
  cluster?: string;
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export const leaseName = (app: string) => `mesh-rollout-${app}`;
const leaseRef = (namespace: string, app: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: leaseName(app), namespace },
});

/** MicroTime as the API server wants it: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const thisProcess = () => `${os.hostname()}/${process.pid}`;

function processAlive(process_: string | undefined): boolean {
  if (!process_) return true;
  const [host, pid] = process_.split('/');
  if (host !== os.hostname() || !pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function infoOf(lease: Lease): LockInfo | undefined {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return undefined;
  const a = lease.metadata.annotations ?? {};
  return {
    rolloutId: spec.holderIdentity,
    holder: a[ANNOTATION.holder] ?? spec.holderIdentity,
    command: a[ANNOTATION.command] ?? '',
    since: spec.acquireTime ?? lease.metadata.creationTimestamp ?? '',
    renewedAt: spec.renewTime ?? spec.acquireTime ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    process: a[ANNOTATION.process],
    cancelRequestedBy: a[ANNOTATION.cancel],
    ...(a[ANNOTATION.cluster] ? { cluster: a[ANNOTATION.cluster] } : {}),
  };
}

export function isStale(info: LockInfo, now: number): boolean {
  const renewed = Date.parse(info.renewedAt);
  const expired = Number.isFinite(renewed) && renewed + info.leaseDurationSeconds * 1000 < now;
  return expired || !processAlive(info.process);
}

export async function readLock(kc: KubeConfig, namespace: string, app: string): Promise<LockInfo | undefined> {
  const lease = await getObject<Lease>(kc, leaseRef(namespace, app));
  return lease ? infoOf(lease) : undefined;
}

function leaseBody(namespace: string, app: string, id: LockIdentity, durationSeconds: number, now: number, base?: Lease): Lease {
  return {
    ...leaseRef(namespace, app),
    metadata: {
      ...leaseRef(namespace, app).metadata,
      resourceVersion: base?.metadata.resourceVersion,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH, 'mesh.dev/app': app },
      annotations: {
        [ANNOTATION.holder]: id.holder, [ANNOTATION.command]: id.command, [ANNOTATION.process]: thisProcess(),
        ...(id.cluster ? { [ANNOTATION.cluster]: id.cluster } : {}),
      },
    },
    spec: {
      holderIdentity: id.rolloutId,
      leaseDurationSeconds: durationSeconds,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (base?.spec?.leaseTransitions ?? -1) + 1,
    },
  };
}

export type AcquireResult = { acquired: true; tookOverFrom?: LockInfo } | { acquired: false; heldBy: LockInfo };

/** Takes the lock (idempotent for its own holder); optimistic concurrency decides between racing requests. */
export async function acquireLock(
  kc: KubeConfig,
  namespace: string,
  app: string,
  id: LockIdentity,
  durationSeconds: number,
  now = Date.now(),
): Promise<AcquireResult> {
  const decided = await updateLease<Lease, AcquireResult>(kc, { namespace, name: leaseName(app) }, (existing) => {
    const held = existing ? infoOf(existing) : undefined;
    if (held?.rolloutId === id.rolloutId) return { result: { acquired: true } };
    if (held && !isStale(held, now)) return { result: { acquired: false, heldBy: held } };
    return { write: leaseBody(namespace, app, id, durationSeconds, now, existing), result: { acquired: true, tookOverFrom: held } };
  });
  if (decided) return decided.result;
  const winner = await readLock(kc, namespace, app);
  if (winner) return { acquired: false, heldBy: winner };
  throw new Error(`could not take the rollout lock ${namespace}/${leaseName(app)}`);
}

export type CheckResult = { held: true; cancelRequestedBy?: string } | { held: false; heldBy?: LockInfo };

/** Between steps: still ours? cancel requested? Renews the lease once a third of its duration has passed. */
export async function checkLock(kc: KubeConfig, namespace: string, app: string, rolloutId: string, now = Date.now()): Promise<CheckResult> {
  const lease = await getObject<Lease>(kc, leaseRef(namespace, app));
  const info = lease ? infoOf(lease) : undefined;
  if (!lease || info?.rolloutId !== rolloutId) return { held: false, heldBy: info };
  const renewed = Date.parse(info.renewedAt);
  if (!(renewed + (info.leaseDurationSeconds * 1000) / 3 > now)) {
    try {
      await replaceObject(kc, {
        ...lease,
        metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, [ANNOTATION.process]: thisProcess() } },
        spec: { ...lease.spec, renewTime: microTime(now) },
      });
    } catch (error) {
      // A concurrent write (a cancel request) wins; the next step renews.
      if (!isConflict(error)) throw error;
    }
  }
  return { held: true, cancelRequestedBy: info.cancelRequestedBy };
}

export async function releaseLock(kc: KubeConfig, namespace: string, app: string, rolloutId: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const lease = await getObject<Lease>(kc, leaseRef(namespace, app));
    if (!lease || infoOf(lease)?.rolloutId !== rolloutId) return;
    try {
      await deleteObject(kc, lease);
      return;
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
}

/** Marks the lease so the holder cancels at its next step; false when that rollout no longer holds it. */
export async function markCancel(kc: KubeConfig, namespace: string, app: string, rolloutId: string, by: string): Promise<boolean> {
  const marked = await updateLease<Lease, boolean>(
    kc,
    { namespace, name: leaseName(app) },
    (lease) =>
      !lease || infoOf(lease)?.rolloutId !== rolloutId
        ? { result: false }
        : { write: { ...lease, metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, [ANNOTATION.cancel]: by } } }, result: true },
    5,
  );
  return marked?.result ?? false;
}
