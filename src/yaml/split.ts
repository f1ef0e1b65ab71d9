import { UserError } from '../errors';

export interface RawDocument {
  /** The document's own lines (a separator line that opened it excluded, see `separator`). */
  raw: string;
  /** 1-based line of `raw`'s first line in the whole input. */
  startLine: number;
  /**
   * The "---" line that YAMLReader keeps as the first line of a document, normalised to end in "\n" (or ""):
   * a separator read while its buffer is empty — at the start of the file or right after another separator —
   * is not a document end but the new document's first line, and istioctl writes a document it does not
   * re-encode (a kind it does not know, a comment) back with it.
   */
  separator: string;
}

/** `blankDocuments: true` yields documents of whitespace only too, as YAMLReader does (istioctl writes them back). */
export interface SplitOptions {
  maxDocuments: number;
  blankDocuments?: boolean;
}

/**
 * Splits a multi-document stream the way Kubernetes' YAMLReader (k8s.io/apimachinery/pkg/util/yaml)
 * does, because that is what istioctl kube-inject uses: a line starting with "---" ends the current
 * document and is not part of any — unless the current document is still empty, then it becomes its first line;
 * only spaces or a comment may follow the dashes. Whitespace-only documents are dropped unless asked for.
 */
export function splitDocuments(text: string, source: string, options: SplitOptions): RawDocument[] {
  const documents: RawDocument[] = [];
  let docStart = -1;
  let docStartLine = 0;
  let separator = '';
  let pos = 0;
  let line = 0;
  const flush = (end: number): void => {
    const raw = docStart < 0 ? '' : text.slice(docStart, end);
    const hadSeparator = separator;
    docStart = -1;
    separator = '';
    if (raw.length === 0 && !hadSeparator) return;
    if (raw.trim().length === 0 && !options.blankDocuments) return;
    if (documents.length >= options.maxDocuments) {
      throw new UserError(`${source}:${docStartLine}: too many documents (more than ${options.maxDocuments})`);
    }
    documents.push({ raw, startLine: docStartLine, separator: hadSeparator });
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
      if (docStart < 0 && !separator) {
        separator = `${text.slice(pos, next).replace(/\r?\n$/, '')}\n`;
        docStartLine = line + 1;
      } else {
        flush(pos);
      }
    } else if (docStart < 0) {
      docStart = pos;
      if (!separator) docStartLine = line;
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
