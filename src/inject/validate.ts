// Annotation validation (pkg/kube/inject/validate.go): a bad value aborts injection of the whole input.
import { isIPv4, isIPv6 } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { errorMessage, UserError } from '../errors';
import { refuseAbsurdNesting } from '../yaml/decode';
import { DEFAULT_PARSE_LIMITS } from '../yaml/manifests';
import { isQuantity } from './quantity';

type Check = (value: string) => string | undefined;

function parsePort(p: string): string | undefined {
  const t = p.trim();
  if (!/^\d+$/.test(t) || Number(t) > 65535) return `failed parsing port '${p}': strconv.ParseUint: parsing "${t}": invalid syntax`;
  return undefined;
}

function portList(name: string): Check {
  return (ports) => {
    const s = ports.trim();
    if (s === '') return undefined;
    for (const p of s.split(',')) {
      const e = parsePort(p);
      if (e) return `${name} invalid: failed parsing port '${p}': ${e}`;
    }
    return undefined;
  };
}

function validPrefix(cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return false;
  const addr = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || (bits.length > 1 && bits.startsWith('0'))) return false;
  if (isIPv4(addr)) return !addr.split('.').some((o) => o.length > 1 && o.startsWith('0')) && Number(bits) <= 32;
  return isIPv6(addr) && !addr.includes('%') && Number(bits) <= 128;
}

function cidrList(name: string, allowStar: boolean): Check {
  return (value) => {
    if (allowStar && value === '*') return undefined;
    if (value.length === 0) return undefined;
    for (const cidr of value.split(',')) {
      if (!validPrefix(cidr)) return `${name} invalid: failed parsing cidr '${cidr}': netip.ParsePrefix("${cidr}"): invalid prefix`;
    }
    return undefined;
  };
}

function interfaces(value: string): string | undefined {
  for (const name of value.split(',')) {
    const n = name.trim();
    if (n.length > 15 || /[\s/:]/.test(n)) return `invalid interface name '${name}'`;
  }
  return undefined;
}

const uint32: Check = (v) => (/^\d+$/.test(v) && Number(v) <= 4294967295 ? undefined : `strconv.ParseUint: parsing "${v}": invalid syntax`);
const bool: Check = (v) =>
  ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)
    ? undefined
    : `strconv.ParseBool: parsing "${v}": invalid syntax`;
const quantity: Check = (v) =>
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  /[\u0000-\u001f\u007f-\u009f]/.test(v) ? 'value contains control characters' : isQuantity(v) ? undefined : 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'';

const VALIDATORS: Record<string, Check> = {
  'sidecar.istio.io/interceptionMode': (m) =>
    ['REDIRECT', 'TPROXY', 'NONE'].includes(m) ? undefined : `interceptionMode invalid, use REDIRECT,TPROXY,NONE: ${m}`,
  'status.sidecar.istio.io/port': (p) => {
    const e = parsePort(p);
    return e ? `excludeInboundPorts invalid: ${e}` : undefined;
  },
  'readiness.status.sidecar.istio.io/initialDelaySeconds': uint32,
  'readiness.status.sidecar.istio.io/periodSeconds': uint32,
  'readiness.status.sidecar.istio.io/failureThreshold': uint32,
  'traffic.sidecar.istio.io/includeOutboundIPRanges': cidrList('includeIPRanges', true),
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': cidrList('excludeIPRanges', false),
  'traffic.sidecar.istio.io/includeInboundPorts': (v) => (v === '*' ? undefined : portList('includeInboundPorts')(v)),
  'traffic.sidecar.istio.io/excludeInboundPorts': portList('excludeInboundPorts'),
  'traffic.sidecar.istio.io/excludeOutboundPorts': portList('excludeOutboundPorts'),
  'traffic.sidecar.istio.io/excludeInterfaces': interfaces,
  'traffic.sidecar.istio.io/kubevirtInterfaces': interfaces,
  'istio.io/reroute-virtual-interfaces': interfaces,
  'prometheus.istio.io/merge-metrics': bool,
  'proxy.istio.io/config': (v) => {
    try {
      refuseAbsurdNesting(v, 'proxy.istio.io/config', 1, DEFAULT_PARSE_LIMITS.maxDepth);
      const parsed = parseYaml(v);
      if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) return 'failed to convert to apply proxy config: not a mapping';
      return undefined;
    } catch (e) {
      return `failed to convert to apply proxy config: ${errorMessage(e)}`;
    }
  },
  'sidecar.istio.io/proxyCPU': quantity,
  'sidecar.istio.io/proxyMemory': quantity,
  'sidecar.istio.io/proxyCPULimit': quantity,
  'sidecar.istio.io/proxyMemoryLimit': quantity,
};

const MAX_ANNOTATIONS_BYTES = 256 * 1024;

// Istio echoes the whole value; a value of megabytes would make the one-line error megabytes long.
const MAX_ECHOED_CHARS = 200;
function shortValue(value: string): string {
  return value.length > MAX_ECHOED_CHARS ? `${value.slice(0, MAX_ECHOED_CHARS)}… (${value.length} characters)` : value;
}

/** Throws a UserError naming every annotation Istio would reject. */
export function validateAnnotations(annotations: Record<string, string>): void {
  // The API server's limit (apimachinery TotalAnnotationSizeLimitB). Checked first: parsing a huge
  // proxy.istio.io/config would take seconds for a pod the cluster refuses anyway.
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  if (size > MAX_ANNOTATIONS_BYTES) throw new UserError(`metadata.annotations: Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes (has ${size})`);
  const errors: string[] = [];
  for (const name of Object.keys(annotations).sort()) {
    const check = VALIDATORS[name];
    const problem = check?.(String(annotations[name]));
    if (problem) errors.push(`invalid value '${shortValue(String(annotations[name]))}' for annotation '${name}': ${shortValue(problem)}`);
  }
  if (errors.length > 0) throw new UserError(`injection failed: ${errors.join('; ')}`);
}
