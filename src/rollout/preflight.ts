import type { KubeConfig } from '@kubernetes/client-node';
import { getObject, serverSideApply } from '../kube/objects';
import { KubeApiError } from '../kube/request';
import { resourceInfo, UnservedKindError } from '../kube/resources';
import { isUserError, UserError } from '../errors';
import { objectLabel, type KubeObject } from '../kube/types';
import type { PreflightProblem } from './events';
import type { ManifestDocument } from './manifests';
import type { PlanStage } from './plan';
import { diffObjects, type FieldChange } from './diff';
import { objectKey } from './evaluate';
import { kindSlashName } from '../object-name';
import { definedKind, definedKinds, type DefinedKind } from './apply-order';
import { markApplied, notOurs } from './ownership';
import { scopeRefusal, type RolloutScope } from './scope';

export { formatProblem } from './events';

export function objectName(obj: KubeObject): string {
  return kindSlashName({ kind: obj.kind, name: obj.metadata.name });
}

async function place(kc: KubeConfig, doc: ManifestDocument, namespace: string, defined?: Map<string, DefinedKind>): Promise<{ obj: KubeObject; namespaced: boolean }> {
  const obj = doc.object;
  const namespaced = await isNamespacedOrDefined(kc, obj, defined);
  if (!namespaced) return { obj, namespaced };
  if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
    throw new UserError(`namespace "${obj.metadata.namespace}" differs from the rollout's namespace "${namespace}"`);
  }
  return { obj: { ...obj, metadata: { ...obj.metadata, namespace } }, namespaced };
}

/**
 * The object as it is sent: namespaced kinds get the rollout's namespace (a different one is an error). A kind
 * the cluster does not serve yet but one of the app's CustomResourceDefinitions (`defined`) defines is placed
 * by that definition's scope.
 */
export async function placeInNamespace(kc: KubeConfig, doc: ManifestDocument, namespace: string, defined?: Map<string, DefinedKind>): Promise<KubeObject> {
  return (await place(kc, doc, namespace, defined)).obj;
}

/** As placeInNamespace, and refused (a UserError naming the rule) when the rollout's scope does not allow it. */
export async function placeWithinScope(kc: KubeConfig, doc: ManifestDocument, namespace: string, scope: RolloutScope | undefined, defined?: Map<string, DefinedKind>): Promise<KubeObject> {
  const { obj, namespaced } = await place(kc, doc, namespace, defined);
  const refusal = scopeRefusal(obj, namespaced, namespace, scope);
  if (refusal) throw new UserError(refusal);
  return obj;
}

async function isNamespacedOrDefined(kc: KubeConfig, obj: KubeObject, defined?: Map<string, DefinedKind>): Promise<boolean> {
  try {
    return (await resourceInfo(kc, obj.apiVersion, obj.kind)).namespaced;
  } catch (error) {
    const definition = error instanceof UnservedKindError ? definedKind(defined, obj) : undefined;
    if (!definition) throw error;
    return definition.namespaced;
  }
}

/** Served by the cluster now (discovery as cached); false for an unknown apiVersion or kind. */
export async function isServed(kc: KubeConfig, obj: { apiVersion: string; kind: string }): Promise<boolean> {
  try {
    await resourceInfo(kc, obj.apiVersion, obj.kind);
    return true;
  } catch (error) {
    if (error instanceof UnservedKindError) return false;
    throw error;
  }
}

/** Whose objects a rollout applies: the app's mark (src/rollout/ownership.ts) and where it is deployed. */
export interface Owner {
  mark: string;
  namespace: string;
}

/**
 * Every object of the stages as sent: placed in the namespace, with the owner's mark when given, refused when
 * the rollout's scope (src/rollout/scope.ts) does not allow it.
 */
export async function placeStages<S extends { name: string; documents: ManifestDocument[] }>(
  kc: KubeConfig,
  stages: S[],
  namespace: string,
  mark?: string,
  scope?: RolloutScope,
): Promise<{ name: string; objects: KubeObject[] }[]> {
  const defined = definedKinds(stages.flatMap((s) => s.documents.map((d) => d.object)));
  return Promise.all(
    stages.map(async (s) => ({
      name: s.name,
      objects: await Promise.all(
        s.documents.map(async (d) => {
          const placed = await placeWithinScope(kc, d, namespace, scope, defined);
          return mark ? markApplied(placed, mark) : placed;
        }),
      ),
    })),
  );
}

export function reasonOf(error: unknown): string {
  if (error instanceof KubeApiError || isUserError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

// Dry-runs in flight at once: enough to hide latency, few enough not to trip API priority and fairness.
const CONCURRENCY = 16;

export async function forEachLimited<T>(items: T[], fn: (item: T) => Promise<void>, concurrency = CONCURRENCY): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** An object mesh deployed (or would delete), enough to find it again. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export const refOf = (obj: KubeObject): ObjectRef => ({
  apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '', ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
});

/** Identity across API versions: group, kind, namespace, name. */
export function refKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** What applying one object would do, from a server-side dry-run compared with the live object. */
export interface PlannedObject {
  /** `kind/name`, as the rollout's events name it. */
  object: string;
  ref: ObjectRef;
  action: 'create' | 'change' | 'unchanged' | 'delete';
  changes?: FieldChange[];
  /** The object exactly as it would be sent (not for deletions). */
  sent?: KubeObject;
}

export interface ObjectsPlan {
  problems: PreflightProblem[];
  stages: { name: string; objects: PlannedObject[] }[];
  deleted: PlannedObject[];
}

/**
 * Server-side dry-run of every object of every stage before anything changes, compared with the live object
 * (created / changed fields / unchanged), plus the objects of `prune` that still exist and carry the owner's
 * mark (deleted; others are left alone). A custom resource whose kind the app's own CRD defines but the cluster
 * does not serve yet cannot be dry-run: it is planned as created (the CRD is applied first). When the
 * target namespace does not exist yet, namespaced objects are dry-run in `default` instead (a dry-run into a
 * missing namespace is refused, and creating it would break the promise that a failed pre-flight changes
 * nothing); they are all created. Objects the rollout's scope (src/rollout/scope.ts) does not allow are problems
 * before any dry-run, and so are deletions of cluster-scoped objects it may not touch.
 */
export async function planObjects(
  kc: KubeConfig,
  stages: PlanStage[],
  namespace: string,
  { prune = [], owner, scope }: { prune?: ObjectRef[]; owner?: Owner; scope?: RolloutScope | undefined } = {},
): Promise<ObjectsPlan> {
  const problems: PreflightProblem[] = [];
  const ns = await getObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (ns?.metadata.deletionTimestamp) {
    return { problems: [{ file: '-n', object: `Namespace/${namespace}`, reason: 'the namespace is being deleted' }], stages: [], deleted: [] };
  }
  const dryRunNamespace = ns ? namespace : 'default';
  const docs = stages.flatMap((s) => s.documents);
  const seen = new Map<string, ManifestDocument>();
  for (const doc of docs) {
    const key = `${doc.object.apiVersion.split('/').length > 1 ? doc.object.apiVersion.split('/')[0] : ''}/${objectName(doc.object)}`;
    const first = seen.get(key);
    if (first) {
      problems.push({ file: doc.file, line: doc.line, object: objectName(doc.object), reason: `also defined at ${first.file}:${first.line}` });
    } else seen.set(key, doc);
  }
  const planned = new Map<ManifestDocument, PlannedObject>();
  const defined = definedKinds(docs.map((d) => d.object));
  await forEachLimited(docs, async (doc) => {
    try {
      const inNamespace = await placeWithinScope(kc, doc, namespace, scope, defined);
      const placed = owner ? markApplied(inNamespace, owner.mark) : inNamespace;
      if (definedKind(defined, placed) && !(await isServed(kc, placed))) {
        planned.set(doc, { object: objectKey(placed), ref: refOf(placed), sent: placed, action: 'create' });
        return;
      }
      const probe = placed.metadata.namespace ? { ...placed, metadata: { ...placed.metadata, namespace: dryRunNamespace } } : placed;
      const [result, live] = await Promise.all([
        serverSideApply(kc, probe, { dryRun: true }),
        ns || !placed.metadata.namespace ? getObject(kc, placed) : Promise.resolve(undefined),
      ]);
      const base = { object: objectKey(placed), ref: refOf(placed), sent: placed };
      if (!live) planned.set(doc, { ...base, action: 'create' });
      else {
        const changes = diffObjects(live, result);
        planned.set(doc, changes.length ? { ...base, action: 'change', changes } : { ...base, action: 'unchanged' });
      }
    } catch (error) {
      problems.push({ file: doc.file, line: doc.line, object: objectName(doc.object), reason: reasonOf(error) });
    }
  });
  const index = (p: PreflightProblem) => docs.findIndex((d) => d.file === p.file && d.line === p.line);
  const kept = new Set(docs.map((d) => planned.get(d)).filter((p): p is PlannedObject => p !== undefined).map((p) => refKey(p.ref)));
  const deleted: PlannedObject[] = [];
  await forEachLimited(prune.filter((ref) => !kept.has(refKey(ref))), async (ref) => {
    try {
      const asObject = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name } };
      const refusal = ref.namespace === undefined ? scopeRefusal(asObject, false, namespace, scope) : undefined;
      if (refusal) throw new UserError(`deleting it is refused: ${refusal}`);
      const live = await getObject(kc, { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
      if (live && !live.metadata.deletionTimestamp && !(owner && notOurs(live, owner.mark, owner.namespace))) deleted.push({ object: objectLabel({ kind: ref.kind, metadata: { name: ref.name } }), ref, action: 'delete' });
    } catch (error) {
      problems.push({ file: 'history', object: `${kindSlashName(ref)}`, reason: reasonOf(error) });
    }
  });
  deleted.sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)));
  return {
    problems: problems.sort((a, b) => index(a) - index(b)),
    stages: stages.map((s) => ({ name: s.name, objects: s.documents.map((d) => planned.get(d)).filter((p): p is PlannedObject => p !== undefined) })),
    deleted,
  };
}

/** The pre-flight alone: what the dry-run rejects (nothing is changed). */
export async function preflight(kc: KubeConfig, stages: PlanStage[], namespace: string, scope?: RolloutScope): Promise<PreflightProblem[]> {
  return (await planObjects(kc, stages, namespace, { scope })).problems;
}
