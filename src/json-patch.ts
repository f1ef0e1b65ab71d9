/**
 * RFC 6902 JSON Patch between two JSON documents: mesh's webhook answers with the difference between the pod it
 * was sent and the pod the injection engine produced, as istiod does (`createPatch`); the injector client applies
 * the patch an injector webhook answers (`applyPatch`).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type PatchOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'replace'; path: string; value: JsonValue }
  | { op: 'remove'; path: string };

export function escapePointer(token: string): string {
  // Called for every key the diff visits; almost none need escaping.
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Keys are tested with Object.hasOwn, never `in`: documents come from JSON.parse and inherit Object.prototype,
// whose names (`constructor`, `toString`) are ordinary keys in a pod's labels or annotations.

/** Deep equality of JSON values (key order ignored, as JSON objects are unordered). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

export function createPatch(original: JsonValue, target: JsonValue): PatchOperation[] {
  const ops: PatchOperation[] = [];
  diff(original, target, '', ops);
  return ops;
}

function diff(a: JsonValue, b: JsonValue, path: string, ops: PatchOperation[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(b, key)) ops.push({ op: 'remove', path: `${path}/${escapePointer(key)}` });
    }
    for (const key of Object.keys(b)) {
      const child = `${path}/${escapePointer(key)}`;
      if (Object.hasOwn(a, key)) diff(a[key], b[key], child, ops);
      else ops.push({ op: 'add', path: child, value: b[key] });
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    diffArray(a, b, path, ops);
    return;
  }
  // Equal containers produce no operations above; what is left differs in type or value.
  ops.push({ op: 'replace', path, value: b });
}

// Elements are compared by position; a prefix insertion (sidecar prepended to initContainers) is spelled as
// inserts at the front when that reproduces the tail exactly, which keeps the patch small and readable.
function diffArray(a: JsonValue[], b: JsonValue[], path: string, ops: PatchOperation[]): void {
  const inserted = b.length - a.length;
  if (inserted > 0 && a.every((item, i) => jsonEqual(item, b[i + inserted]))) {
    for (let i = 0; i < inserted; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: b[i] });
    return;
  }
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) diff(a[i], b[i], `${path}/${i}`, ops);
  for (let i = common; i < b.length; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: b[i] });
  for (let i = a.length - 1; i >= common; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
}

/** Applies a patch to a copy of `document` (used to verify patches; the API server applies them for real). */
export function applyPatch(document: JsonValue, ops: PatchOperation[]): JsonValue {
  let root = structuredClone(document);
  for (const op of ops) {
    if (op.path === '') {
      if (op.op === 'remove') throw new Error('cannot remove the document root');
      root = structuredClone(op.value);
      continue;
    }
    const tokens = op.path.split('/').slice(1).map(unescapePointer);
    const last = tokens.pop() as string;
    let parent: JsonValue = root;
    for (const token of tokens) {
      const next: JsonValue | undefined = Array.isArray(parent)
        ? parent[Number(token)]
        : isObject(parent) && Object.hasOwn(parent, token)
          ? parent[token]
          : undefined;
      if (next === undefined) throw new Error(`path ${op.path} does not exist`);
      parent = next;
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new Error(`bad index in ${op.path}`);
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else if (op.op === 'replace') parent[index] = structuredClone(op.value);
      else parent.splice(index, 1);
    } else if (isObject(parent)) {
      if (op.op !== 'add' && !Object.hasOwn(parent, last)) throw new Error(`path ${op.path} does not exist`);
      if (op.op === 'remove') delete parent[last];
      else parent[last] = structuredClone(op.value);
    } else {
      throw new Error(`path ${op.path} does not exist`);
    }
  }
  return root;
}
