import { parseAllDocuments } from 'yaml';
import { UserError } from '../errors';
import type { KubeObject } from '../kube/types';

/** One Kubernetes object from a manifest file, with where it came from for error messages. */
export interface ManifestDocument {
  /** File name as the user knows it (catalog file name or the path given to -f). */
  file: string;
  /** 1-based line of the document's first line. */
  line: number;
  object: KubeObject;
}

/**
 * Parses a multi-document manifest: strict YAML (duplicate keys are errors), empty documents skipped,
 * `kind: List` flattened. Throws a UserError naming file and line.
 */
export function parseManifestDocuments(text: string, file: string): ManifestDocument[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  const out: ManifestDocument[] = [];
  for (const doc of Array.isArray(documents) ? documents : [documents]) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line;
      throw new UserError(`${file}${line ? `:${line}` : ''}: ${error.message.split('\n')[0]}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const line = lineOf(text, doc.contents?.range?.[0] ?? 0);
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new UserError(`${file}:${line}: a manifest document must be a mapping`);
    }
    const obj = value as KubeObject;
    if (obj.kind === 'List' && Array.isArray(obj.items)) {
      for (const item of obj.items as KubeObject[]) out.push(checked(item, file, line));
    } else {
      out.push(checked(obj, file, line));
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

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text[i] === '\n') line += 1;
  return line;
}

export function documentLabel(doc: ManifestDocument): string {
  return `${doc.file}:${doc.line} ${doc.object.kind}/${doc.object.metadata.name}`;
}
