// Strategic merge patch for pods (k8s.io/apimachinery strategicpatch), limited to the patch
// strategies of the fields a sidecar template touches: lists merged by key keep the patch's order,
// with the live object's other items interleaved in their original order.
import type { JsonObject } from '../json-object';

/** Per struct: list fields merged by key, and the struct type of nested fields. */
const MERGE_KEYS: Record<string, Record<string, string>> = {
  Pod: {},
  PodSpec: { containers: 'name', initContainers: 'name', volumes: 'name', imagePullSecrets: 'name', ephemeralContainers: 'name' },
  Container: { env: 'name', ports: 'containerPort', volumeMounts: 'mountPath', volumeDevices: 'devicePath' },
  ObjectMeta: { ownerReferences: 'uid' },
};
const NESTED: Record<string, Record<string, string>> = {
  Pod: { spec: 'PodSpec', metadata: 'ObjectMeta' },
  PodSpec: { containers: 'Container', initContainers: 'Container' },
};

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function strategicMerge(original: JsonObject, patch: JsonObject, type = 'Pod'): JsonObject {
  const out: JsonObject = { ...original };
  for (const [key, pv] of Object.entries(patch)) {
    if (pv === null) {
      delete out[key];
      continue;
    }
    const ov = out[key];
    const mergeKey = MERGE_KEYS[type]?.[key];
    const nested = NESTED[type]?.[key] ?? 'any';
    if (Array.isArray(pv) && mergeKey && Array.isArray(ov)) out[key] = mergeList(ov, pv, mergeKey, nested);
    else if (isObject(pv) && isObject(ov)) out[key] = strategicMerge(ov, pv, nested);
    else out[key] = pv;
  }
  return out;
}

function mergeList(original: JsonObject[], patch: JsonObject[], mergeKey: string, itemType: string): JsonObject[] {
  if (patch.length === 0) return original;
  const keyOf = (item: unknown) => (isObject(item) ? item[mergeKey] : undefined);
  const merged = [...original];
  for (const p of patch) {
    const k = keyOf(p);
    const i = k === undefined ? -1 : merged.findIndex((o) => keyOf(o) === k);
    if (i >= 0 && isObject(p)) merged[i] = strategicMerge(merged[i], p, itemType);
    else merged.push(p);
  }
  const patchKeys = patch.map(keyOf);
  const inPatch = (item: unknown) => patchKeys.includes(keyOf(item));
  const patchItems = patchKeys.map((k) => merged.find((m) => keyOf(m) === k)!).filter((x, i, a) => a.indexOf(x) === i);
  const serverOnly = merged.filter((m) => !inPatch(m));
  const serverIndex = (item: unknown) => original.findIndex((o) => keyOf(o) === keyOf(item));
  const out: JsonObject[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (i >= serverOnly.length) out.push(patchItems[j++]);
    else if (j >= patchItems.length) out.push(serverOnly[i++]);
    else {
      const li = serverIndex(serverOnly[i]);
      const ri = serverIndex(patchItems[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}
