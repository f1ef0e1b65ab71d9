// The istio-proxy parts of the sidecar template: env vars in Istio's order, volume mounts, volumes.
import type { Values } from './settings';
import { proxyConfigJson } from './proxyconfig';
import { goJson, normalize } from './normalize';
import { fieldEnv, orDefault, sortedEnv, truthy } from './template-helpers';
import type { TemplateContext } from './template-context';
import type { JsonObject } from '../json-object';

function podPorts(spec: JsonObject): string {
  let out = '[';
  let first = true;
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      out += `\n    ${first ? '' : ','}${goJson(normalize(p, 'ContainerPort'))}`;
      first = false;
    }
  }
  return `${out}\n]`;
}

export function proxyEnv(ctx: TemplateContext): JsonObject[] {
  const { spec, proxyConfig, typeMeta, deployMeta, values, globalValues, meshConfig, annotations: annos, labels } = ctx;
  const env: JsonObject[] = [];
  if (meshConfig.inboundTrafficPolicy?.mode === 'LOCALHOST') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push({ name: 'PILOT_CERT_PROVIDER', value: globalValues.pilotCertProvider });
  const revision = values.revision ? `-${values.revision}` : '';
  env.push({ name: 'CA_ADDR', value: truthy(globalValues.caAddress) ? globalValues.caAddress : `istiod${revision}.${globalValues.istioNamespace}.svc:15012` });
  env.push(fieldEnv('POD_NAME', 'metadata.name'));
  env.push(fieldEnv('POD_NAMESPACE', 'metadata.namespace'));
  env.push(fieldEnv('INSTANCE_IP', 'status.podIP'));
  env.push(fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'));
  env.push(fieldEnv('HOST_IP', 'status.hostIP'));
  env.push({ name: 'ISTIO_CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } });
  env.push({ name: 'PROXY_CONFIG', value: `${proxyConfigJson(proxyConfig)}\n` });
  env.push({ name: 'ISTIO_META_POD_PORTS', value: podPorts(spec) });
  env.push({ name: 'ISTIO_META_APP_CONTAINERS', value: ctx.appContainers.join(',') });
  env.push({ name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1' } } });
  env.push({ name: 'ISTIO_META_CLUSTER_ID', value: orDefault(globalValues.multiCluster?.clusterName, 'Kubernetes') });
  env.push(fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'));
  // Istio's template writes this one with `or`, not `annotation` (ctx.interceptionMode): an empty annotation falls through.
  env.push({ name: 'ISTIO_META_INTERCEPTION_MODE', value: orDefault(annos['sidecar.istio.io/interceptionMode'], proxyConfig.interceptionMode ?? 'REDIRECT') });
  if (truthy(globalValues.network)) env.push({ name: 'ISTIO_META_NETWORK', value: String(globalValues.network) });
  const workloadName = orDefault(labels['service.istio.io/workload-name'], deployMeta.name);
  if (workloadName) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workloadName });
  if (typeMeta.apiVersion && deployMeta.name) {
    env.push({
      name: 'ISTIO_META_OWNER',
      value: `kubernetes://apis/${typeMeta.apiVersion}/namespaces/${orDefault(deployMeta.namespace, 'default')}/${String(typeMeta.kind ?? '').toLowerCase()}s/${deployMeta.name}`,
    });
  }
  if ('sidecar.istio.io/bootstrapOverride' in annos) {
    env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  }
  const trustDomain = orDefault(meshConfig.trustDomain, globalValues.trustDomain);
  if (truthy(globalValues.meshID)) env.push({ name: 'ISTIO_META_MESH_ID', value: String(globalValues.meshID) });
  else if (trustDomain) env.push({ name: 'ISTIO_META_MESH_ID', value: trustDomain });
  if (trustDomain) env.push({ name: 'TRUST_DOMAIN', value: trustDomain });
  const otel = otelResourceAttributes(meshConfig, annos, labels, deployMeta.namespace, spec.containers ?? []);
  if (otel) env.push({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: otel });
  env.push(...sortedEnv(proxyConfig.proxyMetadata));
  return env;
}

/** OTEL_RESOURCE_ATTRIBUTES when an OpenTelemetry provider asks for semantic-convention enrichment. */
export function otelResourceAttributes(meshConfig: Values, annos: JsonObject, labels: JsonObject, namespace: string, containers: JsonObject[]): string {
  const providers: JsonObject[] = Array.isArray(meshConfig.extensionProviders) ? meshConfig.extensionProviders : [];
  if (!providers.some((p) => p?.opentelemetry?.serviceAttributeEnrichment === 'OTEL_SEMANTIC_CONVENTIONS')) return '';
  const attrs: string[] = [];
  const ns = annos['resource.opentelemetry.io/service.namespace'];
  if (ns) attrs.push(`service.namespace=${ns}`);
  else if (namespace) attrs.push(`service.namespace=${namespace}`);
  const version = annos['resource.opentelemetry.io/service.version'] || labels['app.kubernetes.io/version'];
  if (version) attrs.push(`service.version=${version}`);
  else if (containers.length === 1) {
    let image = String(containers[0].image ?? '');
    let digest = '';
    const at = image.indexOf('@');
    if (at >= 0) {
      digest = image.slice(at + 1);
      image = image.slice(0, at);
    }
    const colon = image.lastIndexOf(':');
    const tag = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : '';
    if (tag && digest) attrs.push(`service.version=${tag}@${digest}`);
    else if (digest || tag) attrs.push(`service.version=${digest || tag}`);
  }
  const instance = annos['resource.opentelemetry.io/service.instance.id'];
  if (instance) attrs.push(`service.instance.id=${instance}`);
  else if (containers.length > 0) attrs.push(`service.instance.id=${namespace}.$(POD_NAME).${containers[0].name}`);
  return attrs.join(',');
}

export function proxyVolumeMounts(ctx: TemplateContext): JsonObject[] {
  const { globalValues, annotations: annos } = ctx;
  const mounts: JsonObject[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
  ];
  if (globalValues.caName === 'GkeWorkloadCertificate') {
    mounts.push({ name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true });
  } else mounts.push({ name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' });
  if (globalValues.pilotCertProvider === 'istiod') {
    mounts.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
    mounts.push({ mountPath: '/var/run/secrets/istio/crl', name: 'istio-ca-crl' });
  }
  mounts.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  if ('sidecar.istio.io/bootstrapOverride' in annos) mounts.push({ mountPath: '/etc/istio/custom-bootstrap', name: 'custom-bootstrap-volume' });
  mounts.push({ mountPath: '/etc/istio/proxy', name: 'istio-envoy' });
  mounts.push({ mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (truthy(globalValues.mountMtlsCerts)) mounts.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  mounts.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  if ('sidecar.istio.io/userVolumeMount' in annos) {
    for (const [name, value] of userJsonEntries(annos['sidecar.istio.io/userVolumeMount'])) mounts.push({ name, ...value });
  }
  return mounts;
}

/** `fromJSON` of a user annotation, ranged over in key order as Go templates do. */
function userJsonEntries(text: string): Array<[string, JsonObject]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  return Object.keys(parsed as JsonObject)
    .sort()
    .map((k) => [k, ((parsed as JsonObject)[k] ?? {}) as JsonObject]);
}

export function proxyVolumes(ctx: TemplateContext): JsonObject[] {
  const { spec, values, globalValues, annotations: annos } = ctx;
  const vols: JsonObject[] = [
    { emptyDir: null, name: 'workload-socket' },
    { emptyDir: null, name: 'credential-socket' },
  ];
  if (globalValues.caName === 'GkeWorkloadCertificate') {
    vols.push({ name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } });
  } else vols.push({ emptyDir: null, name: 'workload-certs' });
  if ('sidecar.istio.io/bootstrapOverride' in annos) {
    vols.push({ name: 'custom-bootstrap-volume', configMap: { name: String(annos['sidecar.istio.io/bootstrapOverride']) } });
  }
  vols.push({ emptyDir: { medium: 'Memory' }, name: 'istio-envoy' });
  vols.push({ name: 'istio-data', emptyDir: {} });
  vols.push({
    name: 'istio-podinfo',
    downwardAPI: {
      items: [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      ],
    },
  });
  vols.push({
    name: 'istio-token',
    projected: { sources: [{ serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience: globalValues.sds?.token?.aud } }] },
  });
  if (globalValues.pilotCertProvider === 'istiod') {
    if (values.pilot?.env?.ENABLE_CLUSTER_TRUST_BUNDLE_API === true) {
      vols.push({
        name: 'istiod-ca-cert',
        projected: {
          sources: [{ clusterTrustBundle: { name: `istio.io:istiod-ca:${orDefault(globalValues.trustBundleName, 'root-cert')}`, path: 'root-cert.pem' } }],
        },
      });
    } else vols.push({ name: 'istiod-ca-cert', configMap: { name: orDefault(globalValues.trustBundleName, 'istio-ca-root-cert') } });
  }
  vols.push({ name: 'istio-ca-crl', configMap: { name: orDefault(values.pilot?.crlConfigMapName, 'istio-ca-crl'), optional: true } });
  if (truthy(globalValues.mountMtlsCerts)) {
    const sa = spec.serviceAccountName;
    vols.push({ name: 'istio-certs', secret: { optional: true, secretName: sa ? `istio.${sa}` : 'istio.default' } });
  }
  if ('sidecar.istio.io/userVolume' in annos) {
    for (const [name, value] of userJsonEntries(annos['sidecar.istio.io/userVolume'])) vols.push({ name, ...value });
  }
  return vols;
}
