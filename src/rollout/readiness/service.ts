import type { KubeObject } from '../../kube/types';
import { ready, waiting, type Readiness, type Related } from './types';

interface EndpointSlice {
  endpoints?: { conditions?: { ready?: boolean } }[] | null;
}

/**
 * v1 Service: a Service with a selector is ready once one of its EndpointSlices (label
 * kubernetes.io/service-name) has a ready endpoint; selector-less and ExternalName Services at once.
 */
export function serviceReadiness(obj: KubeObject, related: Related): Readiness {
  const name = obj.metadata.name;
  const spec = (obj.spec ?? {}) as { selector?: Record<string, string>; type?: string };
  if (spec.type === 'ExternalName') return ready(`service "${name}" is an ExternalName`);
  if (!spec.selector || Object.keys(spec.selector).length === 0) return ready(`service "${name}" has no selector`);
  const slices = (related.endpointSlices ?? []).filter(
    (s) => s.metadata.labels?.['kubernetes.io/service-name'] === name,
  ) as (KubeObject & EndpointSlice)[];
  const readyEndpoints = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
  if (readyEndpoints > 0) return ready(`service "${name}" has ${readyEndpoints} ready endpoint(s)`);
  return waiting(`Waiting for service "${name}" to have ready endpoints`);
}
