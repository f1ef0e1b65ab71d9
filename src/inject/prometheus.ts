// Prometheus metrics merge (webhook.go applyPrometheusMerge): the app's scrape annotations move into
// ISTIO_PROMETHEUS_ANNOTATIONS and the pod is pointed at the agent's merged endpoint.
import { UserError } from '../errors';
import { goJson } from './normalize';
import type { JsonObject } from '../json-object';
import { PROXY_CONTAINER } from '../istio/vocabulary';
import { setBounded } from '../memoise';


// Annotation keys are compared in Prometheus' sanitised form several times per pod; the same few keys recur
// on every pod, so the regex replace is done once per key (bounded, as keys are user input).
const sanitizedKeys = new Map<string, string>();
function sanitize(key: string): string {
  let sanitized = sanitizedKeys.get(key);
  if (sanitized === undefined) {
    sanitized = key.replace(/[^a-zA-Z0-9_]/g, '_');
    setBounded(sanitizedKeys, key, sanitized, 1000);
  }
  return sanitized;
}
const PATH = 'prometheus_io_path';
const PORT = 'prometheus_io_port';
const SCRAPE = 'prometheus_io_scrape';
const TARGETS = 'prometheus_istio_io_scrape_targets';
const SECURE_PORT = 'prometheus_istio_io_secure_port';

const RESERVED: Record<string, string> = {
  '15000': 'Envoy admin',
  '15001': 'outbound traffic capture',
  '15004': 'pilot debug',
  '15006': 'inbound traffic capture',
  '15008': 'HBONE tunnel',
  '15020': 'pilot-agent status / merged Prometheus',
  '15021': 'Envoy health',
  '15053': 'DNS proxy',
  '15090': 'Envoy Prometheus (already merged)',
};

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export function prometheusPort(annos: JsonObject | undefined): string | undefined {
  for (const [k, v] of Object.entries(annos ?? {})) if (sanitize(k) === PORT) return String(v);
  return undefined;
}

export function clearPrometheusAnnotations(annos: JsonObject): void {
  for (const k of Object.keys(annos)) if ([PATH, PORT, SCRAPE, TARGETS].includes(sanitize(k))) delete annos[k];
}

function scrapeEnabled(annos: JsonObject): boolean {
  for (const [k, v] of Object.entries(annos)) {
    if (sanitize(k) !== SCRAPE) continue;
    const b = parseBool(String(v));
    if (b !== undefined) return b;
  }
  return true;
}

function mergeEnabled(mesh: JsonObject, annos: JsonObject): boolean {
  const v = annos['prometheus.istio.io/merge-metrics'];
  if (v !== undefined) {
    const b = parseBool(String(v));
    if (b !== undefined) return b;
  }
  if (typeof mesh.enablePrometheusMerge === 'boolean') return mesh.enablePrometheusMerge;
  return true;
}

function checkPort(port: string, targetPort: string, what: string): void {
  const n = /^[+-]?\d+$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UserError(`invalid prometheus scrape ${what}: invalid ${what === 'targets' ? 'target ' : ''}port "${port}"`);
  const canon = String(n);
  const label = what === 'targets' ? 'target port' : 'port';
  if (canon === targetPort) throw new UserError(`invalid prometheus scrape ${what}: ${label} ${port} conflicts with agent port`);
  if (RESERVED[canon]) throw new UserError(`invalid prometheus scrape ${what}: ${label} ${port} is reserved for Istio (${RESERVED[canon]}) and cannot be scraped`);
}

function parseTargets(raw: string): Array<{ port: string; path: string }> | undefined {
  const out: Array<{ port: string; path: string }> = [];
  for (const entry of raw.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const i = entry.indexOf(':');
    const port = (i < 0 ? entry : entry.slice(0, i)).trim();
    if (port === '') return undefined;
    const path = i >= 0 && entry.slice(i + 1).trim() !== '' ? entry.slice(i + 1).trim() : '/metrics';
    out.push({ port, path });
  }
  return out;
}

export function applyPrometheusMerge(pod: JsonObject, mesh: JsonObject, statusPort: number): void {
  const annos: JsonObject = pod.metadata.annotations;
  if (scrapeEnabled(annos) && mergeEnabled(mesh, annos)) {
    const targetPort = String(statusPort);
    if (prometheusPort(annos) === targetPort) return;
    const cfg = { scrape: '', path: '', port: '', targets: undefined as undefined | Array<{ port: string; path: string }> };
    for (const [k, v] of Object.entries(annos)) {
      const s = sanitize(k);
      if (s === PORT) cfg.port = String(v);
      else if (s === SCRAPE) cfg.scrape = String(v);
      else if (s === PATH) cfg.path = String(v);
      else if (s === TARGETS) cfg.targets = parseTargets(String(v));
    }
    if (cfg.targets && cfg.targets.length > 0) {
      cfg.port = cfg.targets[0].port;
      cfg.path = cfg.targets[0].path;
      for (const t of cfg.targets) checkPort(t.port, targetPort, 'targets');
    } else if (cfg.port !== '') checkPort(cfg.port, targetPort, 'configuration');
    const sidecar = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find((c: JsonObject) => c.name === PROXY_CONTAINER);
    const empty = cfg.scrape === '' && cfg.path === '' && cfg.port === '' && !(cfg.targets && cfg.targets.length);
    if (sidecar && !empty) {
      const json: JsonObject = { scrape: cfg.scrape, path: cfg.path, port: cfg.port };
      if (cfg.targets && cfg.targets.length) json.targets = cfg.targets;
      sidecar.env = [...(sidecar.env ?? []), { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: goJson(json) }];
    }
    clearPrometheusAnnotations(annos);
    annos['prometheus.io/port'] = targetPort;
    annos['prometheus.io/path'] = '/stats/prometheus';
    annos['prometheus.io/scrape'] = 'true';
  }
  applySecurePort(pod);
}

function applySecurePort(pod: JsonObject): void {
  const annos: JsonObject = pod.metadata.annotations;
  if (Object.keys(annos).some((k) => sanitize(k) === SECURE_PORT)) return;
  const sidecar = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find((c: JsonObject) => c.name === PROXY_CONTAINER);
  const env = (sidecar?.env ?? []).find((e: JsonObject) => e.name === 'ENVOY_SECURE_MERGED_METRICS_PORT' && e.value && e.value !== '0');
  if (env) annos['prometheus.istio.io/secure-port'] = env.value;
}
