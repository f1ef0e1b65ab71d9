import { UserError } from '../errors';

export interface RawDocument {
  raw: string;
  startLine: number;
}

/**
 * Splits a multi-document stream the way Kubernetes' YAMLReader (k8s.io/apimachinery/pkg/util/yaml)
 * does, because that is what istioctl kube-inject uses: a line starting with "---" ends the current
 * document and is not part of any; only spaces or a comment may follow the dashes. Unlike YAMLReader,
 * whitespace-only documents are dropped here (our callers have no use for them).
 */
export function splitDocuments(text: string, source: string, maxDocuments: number): RawDocument[] {
  const documents: RawDocument[] = [];
  let docStart = -1;
  let docStartLine = 0;
  let pos = 0;
  let line = 0;
  const flush = (end: number): void => {
    if (docStart < 0) return;
    const raw = text.slice(docStart, end);
    docStart = -1;
    if (raw.trim().length === 0) return;
    if (documents.length >= maxDocuments) {
      throw new UserError(`${source}:${docStartLine}: too many documents (more than ${maxDocuments})`);
    }
    documents.push({ raw, startLine: docStartLine });
  };
  while (pos < text.length) {
    line++;
    const newline = text.indexOf('\n', pos);
    const next = newline < 0 ? text.length : newline + 1;
    if (text.startsWith('---', pos)) {
      const rest = text.slice(pos + 3, next).trim();
      if (rest.length > 0 && rest[0] !== '#') {
        throw new UserError(`${source}:${line}: invalid YAML: invalid document separator "${shorten(rest)}"`);
      }
      flush(pos);
    } else if (docStart < 0) {
      docStart = pos;
      docStartLine = line;
    }
    pos = next;
  }
  flush(text.length);
  return documents;
}

export function shorten(text: string, max = 40): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
