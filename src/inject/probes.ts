// App probe rewriting (app_probe.go): HTTP/TCP/gRPC probes and lifecycle hooks are redirected to
// pilot-agent's status port; the originals are saved in ISTIO_KUBE_APP_PROBERS.
import { goJson, normalize } from './normalize';
import type { JsonObject } from '../json-object';
import { PROXY_CONTAINER } from '../istio/vocabulary';


export function shouldRewriteAppProbers(annotations: JsonObject, specSetting: boolean): boolean {
  const v = annotations['sidecar.istio.io/rewriteAppHTTPProbers'];
  if (v !== undefined) {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  }
  return specSetting;
}

function proberUrls(name: string) {
  return {
    readinessProbe: `/app-health/${name}/readyz`,
    livenessProbe: `/app-health/${name}/livez`,
    startupProbe: `/app-health/${name}/startupz`,
    preStop: `/app-lifecycle/${name}/prestopz`,
    postStart: `/app-lifecycle/${name}/poststartz`,
  };
}

/** Istio's internal Prober: {httpGet|tcpSocket|grpc, timeoutSeconds}. */
function toProber(probe: JsonObject | undefined, withTimeout: boolean): JsonObject | undefined {
  if (!probe) return undefined;
  const timeout = withTimeout && probe.timeoutSeconds ? { timeoutSeconds: probe.timeoutSeconds } : {};
  if (probe.httpGet) return { httpGet: normalize(probe.httpGet, 'HTTPGetAction'), ...timeout };
  if (probe.tcpSocket) return { tcpSocket: normalize(probe.tcpSocket, 'TCPSocketAction'), ...timeout };
  if (probe.grpc && withTimeout) return { grpc: normalize(probe.grpc, 'GRPCAction'), ...timeout };
  return undefined;
}

function resolveNamedPort(p: JsonObject | undefined, portMap: Map<string, number>, statusPort: number): JsonObject | undefined {
  if (!p) return undefined;
  if (p.grpc) return p;
  const action = p.httpGet ?? p.tcpSocket;
  if (!action) return undefined;
  if (typeof action.port === 'string') {
    const port = portMap.get(action.port);
    if (port === undefined) return undefined;
    action.port = port;
  } else if (action.port === statusPort) return undefined;
  return p;
}

/** The ISTIO_KUBE_APP_PROBERS value, or "" when there is nothing to rewrite. */
export function dumpAppProbers(spec: JsonObject, statusPort: number): string {
  const out: JsonObject = {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (c.name === PROXY_CONTAINER) continue;
    const urls = proberUrls(c.name);
    const portMap = new Map<string, number>();
    for (const p of c.ports ?? []) if (p.name) portMap.set(p.name, p.containerPort);
    for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
      const h = resolveNamedPort(toProber(c[kind], true), portMap, statusPort);
      if (h) out[urls[kind]] = h;
    }
    for (const hook of ['preStop', 'postStart'] as const) {
      const h = resolveNamedPort(toProber(c.lifecycle?.[hook], false), portMap, statusPort);
      if (h) out[urls[hook]] = h;
    }
  }
  const keys = Object.keys(out).sort();
  if (keys.length === 0) return '';
  return goJson(Object.fromEntries(keys.map((k) => [k, out[k]])));
}

function rewriteAction(action: JsonObject | undefined, url: string, port: number): JsonObject {
  const out: JsonObject = { ...(action ?? {}) };
  out.port = port;
  out.path = url;
  if (out.scheme === 'HTTPS') out.scheme = 'HTTP';
  return out;
}

function convertProbe(probe: JsonObject | undefined, url: string, port: number): JsonObject | undefined {
  if (!probe) return undefined;
  if (probe.httpGet) return { ...probe, httpGet: rewriteAction(probe.httpGet, url, port) };
  if (probe.tcpSocket || probe.grpc) {
    const { tcpSocket: _t, grpc: _g, ...rest } = probe;
    return { ...rest, httpGet: rewriteAction(undefined, url, port) };
  }
  return undefined;
}

function convertHook(hook: JsonObject | undefined, url: string, port: number): JsonObject | undefined {
  if (!hook) return undefined;
  if (hook.httpGet) return { ...hook, httpGet: rewriteAction(hook.httpGet, url, port) };
  if (hook.tcpSocket) {
    const { tcpSocket: _t, ...rest } = hook;
    return { ...rest, httpGet: rewriteAction(undefined, url, port) };
  }
  return undefined;
}

/** Points every app probe and lifecycle hook at the status port (mutates the containers). */
export function rewriteAppProbes(spec: JsonObject, statusPort: number): void {
  for (const list of [spec.containers, spec.initContainers]) {
    for (const c of list ?? []) {
      if (c.name === PROXY_CONTAINER) continue;
      const urls = proberUrls(c.name);
      for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        const p = convertProbe(c[kind], urls[kind], statusPort);
        if (p) c[kind] = p;
      }
      if (c.lifecycle) {
        for (const hook of ['preStop', 'postStart'] as const) {
          const h = convertHook(c.lifecycle[hook], urls[hook], statusPort);
          if (h) c.lifecycle = { ...c.lifecycle, [hook]: h };
        }
      }
    }
  }
}
