// Pending approvals of protected deploys, kept in the target cluster: a Lease `mesh-approval-<app>` in the
// namespace (the same place as the rollout lock and the history), so any worker — a fresh Lambda with no disk,
// the console, another process — reads the same state, and a plan cannot outlive the cluster it was made for.
// The record holds the plan's identity and summary, who asked, from which channel, until when it is valid and
// who approved; the Slack button only names it (app, namespace, cluster, a random id), so a button cannot carry
// a plan of its own. Decisions are optimistic updates: two approvers pressing at once cannot start two rollouts.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { ensureNamespace, getObject, replaceObject } from '../kube/objects';
import { isConflict } from '../kube/request';
import { updateLease } from '../kube/lease';
import type { KubeObject } from '../kube/types';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';
import type { ObjectRef } from './preflight';
import type { RolloutSource } from './state';
import type { TrafficChange } from './record';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'refused';

export interface PendingApproval {
  /** Random, 128 bits: what the buttons name. */
  id: string;
  status: ApprovalStatus;
  app: string;
  namespace: string;
  cluster?: string;
  /** What was asked, e.g. `deploy shop -n prod` or `rollback shop -n prod --to 3`. */
  command: string;
  /** The app reference as typed (a component keeps its name). */
  reference: string;
  /** Label for messages: `helloworld (guestbook)`. */
  label: string;
  requester: string;
  channel: string;
  requestedAt: string;
  validUntil: string;
  rule: string;
  approvalsRequired: number;
  approvals: { user: string; at: string }[];
  decidedBy?: string;
  reason?: string;
  /** The pinned source the plan was made from; `followRef`: the request named no commit, so a moved ref is a changed plan. */
  source: RolloutSource;
  followRef: boolean;
  inject: boolean;
  prune?: ObjectRef[];
  rollbackTo?: number;
  origin?: string;
  plan: { hash: string; summary: string[] };
  /** A traffic shift rather than a rollout (`source` is then empty): what the approval makes of the routes. */
  traffic?: TrafficChange & { app: string; undid?: number };
  /** The plan message in the channel, once posted: decisions update it and reply in its thread. */
  messageTs?: string;
}

const KEY = 'mesh.dev/approval';
const recordName = (app: string) => `mesh-approval-${app}`;
const ref = (namespace: string, app: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: recordName(app), namespace } });

export const newApprovalId = () => randomBytes(16).toString('hex');

export async function readApproval(kc: KubeConfig, namespace: string, app: string): Promise<{ approval: PendingApproval; resourceVersion: string } | undefined> {
  const lease = await getObject<KubeObject>(kc, ref(namespace, app));
  const text = lease?.metadata.annotations?.[KEY];
  if (!lease || !text) return undefined;
  try {
    return { approval: JSON.parse(text) as PendingApproval, resourceVersion: lease.metadata.resourceVersion ?? '' };
  } catch {
    return undefined;
  }
}

const body = (approval: PendingApproval, resourceVersion?: string) => ({
  ...ref(approval.namespace, approval.app),
  metadata: {
    ...ref(approval.namespace, approval.app).metadata,
    ...(resourceVersion ? { resourceVersion } : {}),
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH, 'mesh.dev/app': approval.app },
    annotations: { [KEY]: JSON.stringify(approval) },
  },
  spec: {},
});

/**
 * Stores a new pending approval, replacing any earlier one for the app (whose buttons then no longer match).
 * The namespace is created when missing: the record lives there, as the rollout lock and history do.
 */
export async function storeApproval(kc: KubeConfig, approval: PendingApproval): Promise<void> {
  await ensureNamespace(kc, approval.namespace, { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH } });
  const stored = await updateLease(kc, { namespace: approval.namespace, name: recordName(approval.app) }, () => ({ write: body(approval), result: true }));
  if (stored) return;
  throw new Error(`could not store the approval ${approval.namespace}/${recordName(approval.app)}`);
}

/** Writes a decision only if nobody else decided since `resourceVersion` was read; false when someone did. */
export async function updateApproval(kc: KubeConfig, approval: PendingApproval, resourceVersion: string): Promise<boolean> {
  try {
    await replaceObject(kc, body(approval, resourceVersion));
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}
