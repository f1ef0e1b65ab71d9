// Traffic shifting, pure: the routes of one Service between its versions (subsets named by the workloads'
// `version` label), the weights a user asks for, and the DestinationRule and VirtualService that say them.
// Nothing here reads or writes a cluster (src/traffic/cluster.ts does, through src/kube); every refusal is a
// UserError of one line, raised before anything is written.
import { UserError } from '../errors';
import type { KubeObject } from '../kube/types';
import { MANAGED_BY_LABEL, MANAGED_BY_MESH } from '../managed-by';

/** The label whose values are the subsets (what Istio's samples and Kiali use). */
export const VERSION_LABEL = 'version';
/** The Service a mesh-owned routing object belongs to. */
export const SERVICE_ANNOTATION = 'mesh.dev/traffic-for';

export interface Route {
  subset: string;
  weight: number;
}

/** A Service's workloads (Deployments, StatefulSets, …) as far as routing needs them. */
export interface Workload {
  kind: string;
  name: string;
  /** The pod template's labels. */
  labels: Record<string, string>;
}

export interface RoutingObject {
  kind: 'VirtualService' | 'DestinationRule';
  name: string;
  /** The hosts it applies to: `spec.hosts` of a VirtualService, `spec.host` of a DestinationRule. */
  hosts: string[];
  ownedByMesh: boolean;
  /** `spec.http[].route[]` of a VirtualService with one route (what mesh writes). */
  routes?: Route[];
}

/** What the cluster says about one Service, read by src/traffic/cluster.ts. */
export interface TrafficView {
  service: string;
  namespace: string;
  /** The Service's pod selector; undefined when there is no such Service. */
  selector?: Record<string, string>;
  workloads: Workload[];
  /** Every VirtualService and DestinationRule of the namespace. */
  routing: RoutingObject[];
}

export interface TrafficPlan {
  service: string;
  namespace: string;
  host: string;
  subsets: string[];
  /** The routes mesh's VirtualService says now; undefined when there is none (the Service spreads over all pods). */
  before?: Route[];
  /** Undefined: mesh's routing is removed (a rollback to before the first shift). */
  after?: Route[];
}

export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** The names a VirtualService or DestinationRule in `namespace` may give the Service by. */
function namesOf(service: string, namespace: string): Set<string> {
  return new Set([service, `${service}.${namespace}`, `${service}.${namespace}.svc`, serviceHost(service, namespace)]);
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The subsets of a Service: the `version` label values of the workloads its selector matches, sorted. */
export function subsetsOf(view: TrafficView): string[] {
  if (!view.selector) throw new UserError(`there is no Service ${view.service} in namespace ${view.namespace}`);
  if (Object.keys(view.selector).length === 0) throw new UserError(`Service ${view.service} has no pod selector, so it has no versions to route between`);
  const selected = view.workloads.filter((w) => matches(view.selector!, w.labels));
  const versions = [...new Set(selected.map((w) => w.labels[VERSION_LABEL]).filter((v): v is string => Boolean(v)))].sort();
  if (versions.length === 0) {
    const which = selected.length === 0 ? 'no workload matches its selector' : `its workloads (${selected.map((w) => w.name).join(', ')}) have no "${VERSION_LABEL}" label`;
    throw new UserError(`Service ${view.service} has no versions to route between: ${which}`);
  }
  return versions;
}

/**
 * The routes the user asked for. Weights must name known subsets and add up to 100; a subset left out gets 0,
 * except that when exactly one is left out it takes the rest (`v2=20` with v1 and v2 means v1=80, v2=20).
 */
export function desiredRoutes(subsets: readonly string[], weights: Record<string, number>): Route[] {
  for (const subset of Object.keys(weights)) {
    if (!subsets.includes(subset)) throw new UserError(`there is no subset ${subset}: the workloads' ${VERSION_LABEL} labels give ${subsets.join(', ')}`);
  }
  const given = Object.values(weights).reduce((a, b) => a + b, 0);
  const unnamed = subsets.filter((s) => !(s in weights));
  const filled = { ...weights };
  if (unnamed.length === 1 && given <= 100) filled[unnamed[0]!] = 100 - given;
  const total = Object.values(filled).reduce((a, b) => a + b, 0);
  if (total !== 100) {
    const shown = Object.entries(weights).map(([s, w]) => `${s}=${w}`).join(' ');
    throw new UserError(`the weights ${shown} add up to ${given}, not 100${unnamed.length > 1 ? ` (name the others too: ${unnamed.join(', ')})` : ''}`);
  }
  return subsets.map((subset) => ({ subset, weight: filled[subset] ?? 0 }));
}

/** The routing objects of the namespace that name this Service. */
function routingFor(view: TrafficView): RoutingObject[] {
  const names = namesOf(view.service, view.namespace);
  return view.routing.filter((o) => o.hosts.some((h) => names.has(h)));
}

/** Objects mesh must not overwrite, as one line each: another owner's routing for the host, or a name taken. */
export function foreignRouting(view: TrafficView): string[] {
  const mine = routingName(view.service);
  return view.routing
    .filter((o) => !o.ownedByMesh && (o.name === mine || routingFor(view).includes(o)))
    .map((o) => `${o.kind} ${o.name}${o.name === mine && !routingFor(view).includes(o) ? ' (the name mesh would use)' : ''}`);
}

/** mesh names its DestinationRule and VirtualService after the Service. */
export function routingName(service: string): string {
  return service;
}

/** The routes mesh's own VirtualService gives now, if there is one. */
export function currentRoutes(view: TrafficView): Route[] | undefined {
  return routingFor(view).find((o) => o.kind === 'VirtualService' && o.ownedByMesh)?.routes;
}

/** Checks everything and says what would change; throws a UserError (one line) when the shift cannot be made. */
export function planShift(view: TrafficView, weights: Record<string, number>): TrafficPlan {
  const subsets = subsetsOf(view);
  const foreign = foreignRouting(view);
  if (foreign.length > 0) {
    throw new UserError(`${foreign.join(' and ')} in ${view.namespace} already route${foreign.length === 1 ? 's' : ''} ${view.service} and ${foreign.length === 1 ? 'is' : 'are'} not mesh's: nothing changed (remove ${foreign.length === 1 ? 'it' : 'them'} or shift traffic there)`);
  }
  const after = desiredRoutes(subsets, weights);
  const before = currentRoutes(view);
  return { service: view.service, namespace: view.namespace, host: serviceHost(view.service, view.namespace), subsets, ...(before ? { before } : {}), after };
}

/** Planning a return to earlier routes (a rollback): same checks; no routes means mesh's routing goes away. */
export function planRestore(view: TrafficView, routes: readonly Route[] | undefined): TrafficPlan {
  if (routes) return planShift(view, Object.fromEntries(routes.filter((r) => r.weight > 0).map((r) => [r.subset, r.weight])));
  const { after: _after, ...plan } = planShift(view, Object.fromEntries(subsetsOf(view).map((s, i) => [s, i === 0 ? 100 : 0])));
  return plan;
}

export function describeRoutes(routes: readonly Route[] | undefined): string {
  if (!routes) return 'no routing by mesh (the Service spreads requests over all its pods)';
  // Subsets at 0% are left out (`v2 100%`, not `v1 0%, v2 100%`).
  const shown = routes.filter((r) => r.weight > 0);
  return (shown.length > 0 ? shown : routes).map((r) => `${r.subset} ${r.weight}%`).join(', ');
}

/** A recorded shift as one line: `helloworld: v1 100% → v1 80%, v2 20%`. */
export function describeChange(change: { service: string; before?: readonly Route[]; after?: readonly Route[] }): string {
  const short = (routes: readonly Route[] | undefined) => (routes ? describeRoutes(routes) : 'no routing by mesh');
  return `${change.service}: ${short(change.before)} → ${short(change.after)}`;
}

const ownerMetadata = (plan: TrafficPlan, namespace: string) => ({
  name: routingName(plan.service),
  namespace,
  labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESH },
  annotations: { [SERVICE_ANNOTATION]: plan.service },
});

/** The DestinationRule (a subset per version) and VirtualService (the weighted route) of a plan. */
export function routingObjects(plan: TrafficPlan & { after: Route[] }, apiVersion: string): { destinationRule: KubeObject; virtualService: KubeObject } {
  const destinationRule: KubeObject = {
    apiVersion, kind: 'DestinationRule', metadata: ownerMetadata(plan, plan.namespace),
    spec: { host: plan.host, subsets: plan.subsets.map((name) => ({ name, labels: { [VERSION_LABEL]: name } })) },
  };
  // Istio wants the weights of a route's destinations to add up to 100; subsets at 0 are left out.
  const routes = plan.after.filter((r) => r.weight > 0);
  const virtualService: KubeObject = {
    apiVersion, kind: 'VirtualService', metadata: ownerMetadata(plan, plan.namespace),
    spec: {
      hosts: [plan.service],
      http: [{ route: routes.map((r) => ({ destination: { host: plan.host, subset: r.subset }, weight: r.weight })) }],
    },
  };
  return { destinationRule, virtualService };
}

/** A VirtualService's or DestinationRule's hosts, owner and (VirtualService with one route) routes. */
export function routingObjectOf(object: KubeObject): RoutingObject | undefined {
  if (object.kind !== 'VirtualService' && object.kind !== 'DestinationRule') return undefined;
  const spec = (object.spec ?? {}) as { hosts?: unknown; host?: unknown; http?: { route?: { destination?: { subset?: string }; weight?: number }[] }[] };
  const hosts = object.kind === 'VirtualService' ? (Array.isArray(spec.hosts) ? spec.hosts.map(String) : []) : typeof spec.host === 'string' ? [spec.host] : [];
  // Only the DestinationRule and VirtualService mesh wrote are ever overwritten.
  const ownedByMesh = object.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_MESH && object.metadata.annotations?.[SERVICE_ANNOTATION] !== undefined;
  const http = spec.http ?? [];
  const routes = object.kind === 'VirtualService' && http.length === 1
    ? (http[0]!.route ?? []).map((r) => ({ subset: r.destination?.subset ?? '', weight: r.weight ?? (http[0]!.route!.length === 1 ? 100 : 0) }))
    : undefined;
  return { kind: object.kind, name: object.metadata.name ?? '', hosts, ownedByMesh, ...(routes ? { routes } : {}) };
}
