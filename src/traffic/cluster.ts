// Traffic shifting's effects, through the Kubernetes adapter: what the cluster says about a Service (its
// selector, workloads, VirtualServices and DestinationRules) and writing mesh's own routing objects.
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors';
import { deleteObject, getObject, listObjects, serverSideApply } from '../kube/objects';
import { resourceInfo, UnservedKindError } from '../kube/resources';
import type { KubeObject } from '../kube/types';
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
  throw new UserError("this cluster serves no VirtualService and DestinationRule (networking.istio.io v1 or v1beta1): is Istio's CRDs installed?");
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
