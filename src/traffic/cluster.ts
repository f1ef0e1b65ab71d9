// Traffic shifting's effects, through the Kubernetes adapter: what the cluster says about a Service (its
// selector, workloads, VirtualServices and DestinationRules) and writing mesh's own routing objects.
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors';
import { deleteObject, getObject, listObjects, serverSideApply } from '../kube/objects';
import { updateLease } from '../kube/lease';
import { resourceInfo, UnservedKindError } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';
import { routingName, routingObjectOf, routingObjects, type Route, type TrafficPlan, type TrafficView, type Workload } from './plan';

const NETWORKING_VERSIONS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1'];
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** networking.istio.io/v1 where the cluster serves it (Istio 1.22+), else v1beta1. */
export async function networkingApiVersion(kc: KubeConfig): Promise<string> {
  for (const apiVersion of NETWORKING_VERSIONS) {
    try {
      await resourceInfo(kc, apiVersion, 'VirtualService');
      await resourceInfo(kc, apiVersion, 'DestinationRule');
      return apiVersion;
    } catch (error) {
      if (!(error instanceof UnservedKindError)) throw error;
    }
  }
  throw new UserError("this cluster serves no VirtualService and DestinationRule (networking.istio.io v1 or v1beta1): are Istio's CRDs installed?");
}

export async function readTrafficView(kc: KubeConfig, namespace: string, service: string): Promise<TrafficView & { apiVersion: string }> {
  const apiVersion = await networkingApiVersion(kc);
  const svc = await getObject<KubeObject & { spec?: { selector?: Record<string, string> } }>(kc, { apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace } });
  const workloads: Workload[] = [];
  for (const kind of WORKLOAD_KINDS) {
    const { items } = await listObjects<KubeObject & { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }>(kc, { apiVersion: 'apps/v1', kind, namespace });
    for (const item of items) workloads.push({ kind, name: item.metadata.name ?? '', labels: item.spec?.template?.metadata?.labels ?? {} });
  }
  const routing = [];
  for (const kind of ['VirtualService', 'DestinationRule']) {
    const { items } = await listObjects(kc, { apiVersion, kind, namespace });
    routing.push(...items.map(routingObjectOf).filter((o) => o !== undefined));
  }
  return { apiVersion, service, namespace, ...(svc ? { selector: svc.spec?.selector ?? {} } : {}), workloads, routing };
}

/**
 * Writes the plan's DestinationRule, then its VirtualService (a route never names a subset not yet defined).
 * Both are first sent as a dry run, so istiod's validating webhook refusing either changes nothing.
 */
export async function applyTrafficPlan(kc: KubeConfig, plan: TrafficPlan & { after: Route[] }, apiVersion: string): Promise<void> {
  const { destinationRule, virtualService } = routingObjects(plan, apiVersion);
  for (const dryRun of [true, false]) {
    await serverSideApply(kc, destinationRule, { dryRun });
    await serverSideApply(kc, virtualService, { dryRun });
  }
}

/** Deletes mesh's VirtualService, then its DestinationRule (only mesh's: the plan refused any other owner's). */
export async function removeTrafficRouting(kc: KubeConfig, plan: TrafficPlan, apiVersion: string): Promise<void> {
  for (const kind of ['VirtualService', 'DestinationRule']) {
    const ref = { apiVersion, kind, metadata: { name: routingName(plan.service), namespace: plan.namespace } };
    const existing = await getObject(kc, ref);
    if (existing && routingObjectOf(existing)?.ownedByMesh) await deleteObject(kc, { ...ref, metadata: { ...ref.metadata, resourceVersion: existing.metadata.resourceVersion } });
  }
}

/** The target subset's workloads are all ready (every replica), and there is at least one. */
export async function subsetReady(kc: KubeConfig, namespace: string, service: string, subset: string): Promise<{ ok: boolean; detail: string }> {
  const svc = await getObject<KubeObject & { spec?: { selector?: Record<string, string> } }>(kc, { apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace } });
  const selector = { ...(svc?.spec?.selector ?? {}), version: subset };
  const lines: string[] = [];
  let ok = true;
  for (const kind of ['Deployment', 'StatefulSet']) {
    const { items } = await listObjects<KubeObject & { spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } }; status?: { readyReplicas?: number } }>(kc, { apiVersion: 'apps/v1', kind, namespace });
    for (const item of items) {
      const labels = item.spec?.template?.metadata?.labels ?? {};
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
      const want = item.spec?.replicas ?? 1;
      const ready = item.status?.readyReplicas ?? 0;
      if (ready < want || want === 0) ok = false;
      lines.push(`${item.metadata.name} ${ready}/${want}`);
    }
  }
  if (lines.length === 0) return { ok: false, detail: 'no workload of that version' };
  return { ok, detail: lines.join(', ') };
}

// One canary per Service at a time: a Lease `mesh-canary-<service>` names the running one; Cancel marks it.
const CANARY_ID = 'mesh.dev/canary-id';
const CANCEL_BY = 'mesh.dev/cancel-requested-by';
const canaryLease = (namespace: string, service: string) => ({ namespace, name: `mesh-canary-${service}` });

/** Claims the Service for canary `id`; the id of the canary already running when another holds it. */
export async function claimCanary(kc: KubeConfig, namespace: string, service: string, id: string): Promise<string | undefined> {
  const ref = canaryLease(namespace, service);
  const decided = await updateLease<KubeObject, string | undefined>(kc, ref, (existing) => {
    const holder = existing?.metadata.annotations?.[CANARY_ID];
    if (holder && holder !== id) return { result: holder };
    const write = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...ref, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH }, annotations: { [CANARY_ID]: id } }, spec: {} };
    return { write, result: undefined };
  });
  if (!decided) throw new Error(`could not claim ${namespace}/mesh-canary-${service}`);
  return decided.result;
}

/** The id of the canary running for the Service, if one is. */
export async function canaryHolder(kc: KubeConfig, namespace: string, service: string): Promise<string | undefined> {
  const lease = await getObject(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: canaryLease(namespace, service) });
  return lease?.metadata.annotations?.[CANARY_ID];
}

/** Who asked to cancel canary `id`, if anyone did. */
export async function canaryCancelledBy(kc: KubeConfig, namespace: string, service: string, id: string): Promise<string | undefined> {
  const lease = await getObject(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: canaryLease(namespace, service) });
  return lease?.metadata.annotations?.[CANARY_ID] === id ? lease.metadata.annotations[CANCEL_BY] : undefined;
}

/** Marks a running canary (by its id, `<namespace>.<service>.canary-…`) cancelled; false when none runs by that id. */
export async function requestCanaryCancel(kc: KubeConfig, id: string, by: string): Promise<boolean> {
  const [namespace, service] = id.split('.') as [string, string | undefined];
  if (!service) return false;
  const ref = canaryLease(namespace, service);
  const decided = await updateLease<KubeObject, boolean>(kc, ref, (existing) => {
    if (!existing || existing.metadata.annotations?.[CANARY_ID] !== id) return { result: false };
    return { write: { ...existing, metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations, [CANCEL_BY]: by } } }, result: true };
  });
  return decided?.result ?? false;
}

export async function releaseCanary(kc: KubeConfig, namespace: string, service: string, id: string): Promise<void> {
  const lease = await getObject(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: canaryLease(namespace, service) });
  if (lease?.metadata.annotations?.[CANARY_ID] === id) await deleteObject(kc, { ...lease, metadata: { ...lease.metadata, resourceVersion: lease.metadata.resourceVersion } });
}
