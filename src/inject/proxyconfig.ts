// ProxyConfig handling: the effective config (mesh defaultConfig + the pod's proxy.istio.io/config
// annotation) and the PROXY_CONFIG JSON, which lists only fields that differ from Istio's defaults.
import { parse as parseYaml } from 'yaml';
import { errorMessage, UserError } from '../errors';
import { refuseAbsurdNesting } from '../yaml/decode';
import { DEFAULT_PARSE_LIMITS } from '../yaml/manifests';
import { deepMerge, type Values } from './settings';
import { goJson } from './normalize';
import type { JsonObject } from '../json-object';


/** Istio's mesh.DefaultProxyConfig() values (1.30, 1.31: no concurrency) that cleanProxyConfig removes when unchanged. */
const DEFAULTS: JsonObject = {
  configPath: './etc/istio/proxy',
  binaryPath: '/usr/local/bin/envoy',
  serviceCluster: 'istio-proxy',
  drainDuration: '45s',
  terminationDrainDuration: '5s',
  discoveryAddress: 'istiod.istio-system.svc:15012',
  proxyAdminPort: 15000,
  controlPlaneAuthPolicy: 'MUTUAL_TLS',
  statNameLength: 189,
  statusPort: 15020,
  interceptionMode: 'REDIRECT',
};

/** Proto declaration order of ProxyConfig (protojson writes fields in this order). */
const ORDER = [
  'configPath', 'binaryPath', 'serviceCluster', 'drainDuration', 'parentShutdownDuration', 'discoveryAddress',
  'discoveryRefreshDelay', 'zipkinAddress', 'statsdUdpAddress', 'envoyMetricsServiceAddress', 'proxyAdminPort',
  'availabilityZone', 'controlPlaneAuthPolicy', 'customConfigFile', 'statNameLength', 'concurrency',
  'proxyBootstrapTemplatePath', 'interceptionMode', 'tracing', 'sds', 'envoyAccessLogService', 'envoyMetricsService',
  'proxyMetadata', 'statusPort', 'extraStatTags', 'gatewayTopology', 'terminationDrainDuration', 'meshId',
  'readinessProbe', 'proxyStatsMatcher', 'holdApplicationUntilProxyStarts', 'caCertificatesPem', 'image',
  'privateKeyProvider', 'proxyHeaders', 'fileFlushInterval', 'fileFlushMinSizeKb', 'serviceClusterName',
];

export function effectiveProxyConfig(meshConfig: Values, annotations: Record<string, string>): JsonObject {
  let proxyConfig: JsonObject = { ...(meshConfig.defaultConfig ?? {}) };
  const anno = annotations['proxy.istio.io/config'];
  if (anno !== undefined) {
    let overlay: unknown;
    try {
      refuseAbsurdNesting(anno, 'proxy.istio.io/config', 1, DEFAULT_PARSE_LIMITS.maxDepth);
      overlay = parseYaml(anno);
    } catch (e) {
      throw new UserError(`invalid value for annotation 'proxy.istio.io/config': ${errorMessage(e)}`);
    }
    if (overlay !== null && overlay !== undefined) {
      if (typeof overlay !== 'object' || Array.isArray(overlay)) {
        throw new UserError(`invalid value for annotation 'proxy.istio.io/config': not a mapping`);
      }
      proxyConfig = deepMerge(proxyConfig, overlay);
    }
  }
  return proxyConfig;
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/** Message-typed fields (wrappers, durations, nested messages): written whenever set, even when empty. */
const WRAPPERS = new Set([
  'concurrency', 'holdApplicationUntilProxyStarts', 'tracing', 'sds', 'envoyAccessLogService', 'envoyMetricsService',
  'readinessProbe', 'proxyStatsMatcher', 'image', 'privateKeyProvider', 'proxyHeaders', 'drainDuration',
  'parentShutdownDuration', 'terminationDrainDuration', 'discoveryRefreshDelay', 'fileFlushInterval', 'fileFlushMinSizeKb',
]);

/** The PROXY_CONFIG JSON of a proxy config: the fields that differ from `defaults`, in proto order. */
export function proxyConfigJson(proxyConfig: JsonObject): string {
  const defaults = DEFAULTS;
  const out: JsonObject = {};
  const keys = [...ORDER.filter((k) => k in proxyConfig), ...Object.keys(proxyConfig).filter((k) => !ORDER.includes(k)).sort()];
  for (const k of keys) {
    const v = proxyConfig[k];
    if (k in defaults && JSON.stringify(v) === JSON.stringify(defaults[k])) continue;
    if (WRAPPERS.has(k) ? v === undefined || v === null : isZero(v)) continue;
    out[k] = k === 'proxyMetadata' ? sortKeys(v) : v;
  }
  return goJson(out);
}

function sortKeys(m: JsonObject): JsonObject {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}
