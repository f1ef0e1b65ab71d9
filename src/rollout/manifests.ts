import { UserError } from '../errors';
import type { KubeObject } from '../kube/types';
import { parseManifests } from '../yaml/manifests';

/** One Kubernetes object from a manifest file, with where it came from for error messages. */
export interface ManifestDocument {
  /** File name as the user knows it (catalog file name or the path given to -f). */
  file: string;
  /** 1-based line of the document's first line. */
  line: number;
  object: KubeObject;
}

/**
 * Kubernetes objects of a multi-document manifest (parsed by src/yaml: duplicate keys are errors), empty
 * documents skipped, `kind: List` flattened. Throws a UserError naming file and line.
 */
export function parseManifestDocuments(text: string, file: string): ManifestDocument[] {
  const out: ManifestDocument[] = [];
  for (const doc of parseManifests(text, file)) {
    const value = doc.value;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new UserError(`${file}:${doc.startLine}: a manifest document must be a mapping`);
    }
    const obj = value as KubeObject;
    if (obj.kind === 'List' && Array.isArray(obj.items)) {
      for (const item of obj.items as KubeObject[]) out.push(checked(item, file, doc.startLine));
    } else {
      out.push(checked(obj, file, doc.startLine));
    }
  }
  return out;
}

function checked(obj: KubeObject, file: string, line: number): ManifestDocument {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    throw new UserError(`${file}:${line}: not a Kubernetes object (apiVersion and kind are required)`);
  }
  if (typeof obj.metadata?.name !== 'string' || obj.metadata.name === '') {
    throw new UserError(`${file}:${line}: ${obj.kind} has no metadata.name`);
  }
  return { file, line, object: obj };
}
