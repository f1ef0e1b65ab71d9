/**
 * Drift: running pods whose sidecar is no longer what the namespace's injector would inject now (after an Istio
 * upgrade, a revision switch or a values change, pods keep their old sidecar until restarted). Compared per
 * workload on what injection added — the proxy image and a fingerprint of the injected containers and volumes —
 * not on a byte diff of the whole pod. Pure.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube';
import type { WorkloadRef } from './coverage';
import { PROXY_CONTAINER, SIDECAR_STATUS_ANNOTATION } from '../istio/vocabulary';
import type { JsonObject } from '../json-object';

export interface SidecarIdentity {
  /** istio-proxy's image. */
  image: string;
  /** Revision recorded by the injector in the status annotation. */
  revision: string;
  /** Short hash of everything the injection added (containers, init containers, volumes it lists). */
  fingerprint: string;
}

export interface WorkloadDrift extends WorkloadRef {
  pods: number;
  /** Pods whose sidecar differs from what the injector gives now. */
  drifted: number;
  running: SidecarIdentity[];
  expected: SidecarIdentity;
  /** In words: what differs. */
  reason: string;
}

/**
 * A container without what the API server adds per pod and says nothing about the injection: the ServiceAccount
 * admission's token mount, whose volume name has a random suffix (`kube-api-access-<5 chars>`).
 */
function stable(container: JsonObject): JsonObject {
  const mounts = (container.volumeMounts ?? []).filter((m: JsonObject) => !/^kube-api-access-[a-z0-9]{5}$/.test(String(m.name)));
  return { ...container, volumeMounts: mounts };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as JsonObject)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What the injector added to `pod`, as its status annotation lists it; undefined for a pod without a sidecar. */
export function sidecarIdentity(pod: JsonObject): SidecarIdentity | undefined {
  const spec = pod.spec ?? {};
  const proxy = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c: JsonObject) => c.name === PROXY_CONTAINER);
  if (!proxy) return undefined;
  let status: JsonObject;
  try {
    status = JSON.parse(pod.metadata?.annotations?.[SIDECAR_STATUS_ANNOTATION] ?? '{}') ?? {};
  } catch {
    status = {};
  }
  const names = (list: unknown) => new Set(Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string') : []);
  const containerNames = names(status.containers);
  const initNames = names(status.initContainers);
  const volumeNames = names(status.volumes);
  containerNames.add(PROXY_CONTAINER);
  const injected = {
    containers: (spec.containers ?? []).filter((c: JsonObject) => containerNames.has(c.name)).map(stable),
    initContainers: (spec.initContainers ?? []).filter((c: JsonObject) => initNames.has(c.name) || c.name === PROXY_CONTAINER).map(stable),
    volumes: (spec.volumes ?? []).filter((v: JsonObject) => volumeNames.has(v.name)),
  };
  return {
    image: String(proxy.image ?? ''),
    revision: String(status.revision ?? ''),
    fingerprint: createHash('sha256').update(canonical(injected)).digest('hex').slice(0, 12),
  };
}

function same(a: SidecarIdentity, b: SidecarIdentity): boolean {
  return a.image === b.image && a.fingerprint === b.fingerprint;
}

/**
 * Compares a workload's running pods with the pod its injector gives now (`expectedPod`, from a dry-run create
 * of the workload's pod template). Pods without a sidecar are coverage's business, not drift's.
 */
export function workloadDrift(workload: WorkloadRef, pods: KubeObject[], expectedPod: JsonObject): WorkloadDrift | undefined {
  const expected = sidecarIdentity(expectedPod);
  const running = pods.map((p) => sidecarIdentity(p as JsonObject)).filter((s): s is SidecarIdentity => s !== undefined);
  if (!expected || running.length === 0) return undefined;
  const off = running.filter((s) => !same(s, expected));
  const distinct = [...new Map(running.map((s) => [`${s.image} ${s.fingerprint}`, s])).values()];
  const reason = off.length === 0
    ? 'matches the injector'
    : off.some((s) => s.image !== expected.image)
      ? `runs ${[...new Set(off.map((s) => s.image))].join(', ')}; the injector now gives ${expected.image}`
      : `same image, but the injected template differs (fingerprint ${[...new Set(off.map((s) => s.fingerprint))].join(', ')} → ${expected.fingerprint})`;
  return { ...workload, pods: running.length, drifted: off.length, running: distinct, expected, reason };
}
