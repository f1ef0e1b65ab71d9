// One traffic shift from plan to record, for every door (CLI, jobs): read the Service's view, plan (refusing
// with one line when the shift cannot be made), and — unless only the plan was asked for — write mesh's
// DestinationRule and VirtualService and record the shift in the app's history, where rollback finds it.
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { recordTrafficRevision } from '../rollout/record';
import { UserError } from '../errors';
import { applyTrafficPlan, canaryHolder, readTrafficView, removeTrafficRouting } from './cluster';
import { planRestore, planShift, type Route, type TrafficPlan } from './plan';

export interface ShiftTarget {
  /** The app whose history records the shift. */
  app: string;
  service: string;
  namespace: string;
  cluster?: string;
}

/** Weights as asked (`v2=20`), or routes to restore (a rollback; undefined routes: no routing by mesh). */
export type ShiftWanted = { weights: Record<string, number> } | { restore: Route[] | undefined };

export interface PreparedShift {
  target: ShiftTarget;
  plan: TrafficPlan;
  apiVersion: string;
  /** Identifies the plan (namespace, Service, routes before and after), for approvals and the history. */
  hash: string;
}

export function planHash(plan: TrafficPlan): string {
  return createHash('sha256').update(JSON.stringify([plan.namespace, plan.service, plan.before ?? null, plan.after ?? null])).digest('hex');
}

/** Reads the cluster and plans; a UserError (one line) when the shift cannot be made. Writes nothing. */
export async function prepareShift(kc: KubeConfig, target: ShiftTarget, wanted: ShiftWanted, options: { canary?: string } = {}): Promise<PreparedShift> {
  // A running canary owns the Service's routes: only its own steps may change them.
  const canary = await canaryHolder(kc, target.namespace, target.service);
  if (canary && canary !== options.canary) throw new UserError(`canary ${canary} is moving ${target.service}'s traffic; wait for it or cancel it (/mesh cancel ${canary})`);
  const view = await readTrafficView(kc, target.namespace, target.service);
  const plan = 'weights' in wanted ? planShift(view, wanted.weights) : planRestore(view, wanted.restore);
  return { target, plan, apiVersion: view.apiVersion, hash: planHash(plan) };
}

/** Writes the routing (or removes it), without recording: a canary's intermediate steps. */
export async function writeShift(kc: KubeConfig, prepared: PreparedShift): Promise<void> {
  const { plan } = prepared;
  if (plan.after) await applyTrafficPlan(kc, { ...plan, after: plan.after }, prepared.apiVersion);
  else await removeTrafficRouting(kc, plan, prepared.apiVersion);
}

export interface ShiftRecord {
  id: string;
  by: string;
  at: string;
  approvedBy?: string[];
  rollbackTo?: number;
  historyLimit?: number;
}

/** Records a shift (routes `before` → the plan's after) in the app's history; resolves to its revision number. */
export function recordShift(kc: KubeConfig, target: ShiftTarget, plan: TrafficPlan, hash: string, by: ShiftRecord): Promise<number> {
  return recordTrafficRevision(kc, {
    id: by.id, app: target.app, namespace: target.namespace, ...(target.cluster ? { cluster: target.cluster } : {}), by: by.by, at: by.at,
    ...(by.approvedBy?.length ? { approvedBy: by.approvedBy } : {}), planHash: hash,
    ...(by.rollbackTo !== undefined ? { rollbackTo: by.rollbackTo } : {}),
    traffic: { service: plan.service, ...(plan.before ? { before: plan.before } : {}), ...(plan.after ? { after: plan.after } : {}) },
  }, by.historyLimit);
}

/** Writes the routing (or removes it) and records the shift; resolves to its revision number. */
export async function executeShift(kc: KubeConfig, prepared: PreparedShift, by: ShiftRecord): Promise<number> {
  await writeShift(kc, prepared);
  return recordShift(kc, prepared.target, prepared.plan, prepared.hash, by);
}
