// The istio-cni part of the sidecar template: traffic settings as pod annotations, Multus networks.
import { annotation, excludeInboundPort, orDefault, truthy } from './template-helpers';
import type { TemplateContext } from './template-context';
import type { JsonObject } from '../json-object';

/** With istio-cni the pod carries its traffic settings as annotations for the CNI plugin. */
export function cniAnnotations(ctx: TemplateContext, statusPort: string): JsonObject {
  const { metadata: meta, values, proxyValues, annotations: annos, interceptionMode: mode } = ctx;
  const isset = (k: string) => k in annos;
  const out: JsonObject = {};
  if (values.pilot?.cni?.provider === 'multus') {
    out['k8s.v1.cni.cncf.io/networks'] = appendMultusNetwork(String(annos['k8s.v1.cni.cncf.io/networks'] ?? ''), 'default/istio-cni');
  }
  out['sidecar.istio.io/interceptionMode'] = mode;
  const include = annotation(meta, 'traffic.sidecar.istio.io/includeOutboundIPRanges', proxyValues.includeIPRanges);
  if (include) out['traffic.sidecar.istio.io/includeOutboundIPRanges'] = include;
  const exclude = annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', proxyValues.excludeIPRanges);
  if (exclude) out['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = exclude;
  out['traffic.sidecar.istio.io/includeInboundPorts'] = annotation(meta, 'traffic.sidecar.istio.io/includeInboundPorts', proxyValues.includeInboundPorts);
  out['traffic.sidecar.istio.io/excludeInboundPorts'] = excludeInboundPort(
    statusPort,
    annotation(meta, 'traffic.sidecar.istio.io/excludeInboundPorts', proxyValues.excludeInboundPorts),
  );
  if (isset('traffic.sidecar.istio.io/includeOutboundPorts') || orDefault(proxyValues.includeOutboundPorts) !== '') {
    out['traffic.sidecar.istio.io/includeOutboundPorts'] = annotation(meta, 'traffic.sidecar.istio.io/includeOutboundPorts', proxyValues.includeOutboundPorts);
  }
  if (isset('traffic.sidecar.istio.io/excludeOutboundPorts') || proxyValues.excludeOutboundPorts !== '') {
    out['traffic.sidecar.istio.io/excludeOutboundPorts'] = annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundPorts', proxyValues.excludeOutboundPorts);
  }
  for (const k of ['traffic.sidecar.istio.io/kubevirtInterfaces', 'istio.io/reroute-virtual-interfaces', 'traffic.sidecar.istio.io/excludeInterfaces']) {
    if (truthy(annos[k])) out[k] = String(annos[k]);
  }
  return out;
}

/** Adds istio-cni to a Multus networks annotation (flat list or JSON), unless already there. */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const i = existing.lastIndexOf(']');
  if (i !== -1) {
    let networks: JsonObject[];
    try {
      networks = JSON.parse(existing);
      if (!Array.isArray(networks)) return existing;
    } catch {
      return existing;
    }
    const slash = network.indexOf('/');
    const ns = slash < 0 ? '' : network.slice(0, slash);
    const name = slash < 0 ? network : network.slice(slash + 1);
    if (networks.some((n) => n?.name === name && (n.namespace ?? '') === ns)) return existing;
    const entry = ns === '' ? `, {"name": "${name}"}` : `, {"name": "${name}", "namespace": "${ns}"}`;
    return existing.slice(0, i) + entry + existing.slice(i);
  }
  if (existing.split(',').some((n) => n.trim() === network)) return existing;
  return `${existing}, ${network}`;
}
