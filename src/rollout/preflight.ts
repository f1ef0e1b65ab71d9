import type { KubeConfig } from '@kubernetes/client-node';
import { getObject, serverSideApply } from '../kube/objects';
import { KubeApiError } from '../kube/request';
import { resourceInfo } from '../kube/resources';
import { isUserError, UserError } from '../errors';
import type { KubeObject } from '../kube/types';
import type { PreflightProblem } from './events';
import type { ManifestDocument } from './manifests';
import type { PlanStage } from './plan';

export function formatProblem(p: PreflightProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}${p.object ? ` ${p.object}` : ''}: ${p.reason}`;
}

export function objectName(obj: KubeObject): string {
  return `${obj.kind}/${obj.metadata.name}`;
}

/** The object as it is sent: namespaced kinds get the rollout's namespace (a different one is an error). */
export async function placeInNamespace(kc: KubeConfig, doc: ManifestDocument, namespace: string): Promise<KubeObject> {
  const obj = doc.object;
  const { namespaced } = await resourceInfo(kc, obj.apiVersion, obj.kind);
  if (!namespaced) return obj;
  if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
    throw new UserError(`namespace "${obj.metadata.namespace}" differs from the rollout's namespace "${namespace}"`);
  }
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

export function reasonOf(error: unknown): string {
  if (error instanceof KubeApiError || isUserError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

// Dry-runs in flight at once: enough to hide latency, few enough not to trip API priority and fairness.
const CONCURRENCY = 16;

async function forEachLimited<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

/**
 * Server-side dry-run of every object of every stage before anything changes. When the target namespace
 * does not exist yet, namespaced objects are dry-run in `default` instead (a dry-run into a missing
 * namespace is refused, and creating it would break the promise that a failed pre-flight changes nothing).
 */
export async function preflight(kc: KubeConfig, stages: PlanStage[], namespace: string): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const ns = await getObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (ns?.metadata.deletionTimestamp) {
    return [{ file: '-n', object: `Namespace/${namespace}`, reason: 'the namespace is being deleted' }];
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
  await forEachLimited(docs, async (doc) => {
    try {
      const placed = await placeInNamespace(kc, doc, namespace);
      const probe = placed.metadata.namespace ? { ...placed, metadata: { ...placed.metadata, namespace: dryRunNamespace } } : placed;
      await serverSideApply(kc, probe, { dryRun: true });
    } catch (error) {
      problems.push({ file: doc.file, line: doc.line, object: objectName(doc.object), reason: reasonOf(error) });
    }
  });
  const index = (p: PreflightProblem) => docs.findIndex((d) => d.file === p.file && d.line === p.line);
  return problems.sort((a, b) => index(a) - index(b));
}
