import { UserError } from '../errors';
import { decodeDocument } from './decode';
import { splitDocuments } from './split';

export interface ManifestDocument {
  /** The document's text as Kubernetes' YAMLReader yields it, less a separator line that opened it. */
  raw: string;
  /** That separator line ("---…\n"), or "" (see RawDocument.separator). */
  separator: string;
  /** 1-based line of the document's first line in the whole input. */
  startLine: number;
  /** Plain JSON-compatible data, decoded as Kubernetes (sigs.k8s.io/yaml) would. */
  value: unknown;
}

export interface ParseLimits {
  maxBytes?: number;
  maxAliasCount?: number;
  maxDocuments?: number;
  maxDepth?: number;
}

export const DEFAULT_PARSE_LIMITS: Required<ParseLimits> = {
  maxBytes: 4 * 1024 * 1024,
  maxAliasCount: 100,
  maxDocuments: 10_000,
  maxDepth: 100,
};

/**
 * Parses a (multi-document) manifest file safely. Every problem is a UserError with one line naming
 * `source` and, where there is one, the line: invalid YAML, duplicate keys, alias bombs, oversize input.
 */
export function parseManifests(text: string, source: string, limits: ParseLimits = {}): ManifestDocument[] {
  return [...eachManifest(text, source, limits)];
}

/**
 * parseManifests one document at a time, for callers that need only the current one (kube-inject of a large
 * file holds one decoded document instead of all). The size and document-count limits are checked before the
 * first document is yielded; a document that does not decode throws when it is reached.
 */
export function* eachManifest(
  text: string,
  source: string,
  limits: ParseLimits = {},
  framing: { blankDocuments?: boolean } = {},
): Generator<ManifestDocument> {
  const maxBytes = limits.maxBytes ?? DEFAULT_PARSE_LIMITS.maxBytes;
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new UserError(`${source}: input is larger than ${formatBytes(maxBytes)}`);
  }
  const decodeLimits = {
    maxAliasCount: limits.maxAliasCount ?? DEFAULT_PARSE_LIMITS.maxAliasCount,
    maxDepth: limits.maxDepth ?? DEFAULT_PARSE_LIMITS.maxDepth,
  };
  const documents = splitDocuments(text, source, {
    maxDocuments: limits.maxDocuments ?? DEFAULT_PARSE_LIMITS.maxDocuments,
    blankDocuments: framing.blankDocuments,
  });
  for (const { raw, startLine, separator } of documents) {
    yield { raw, startLine, separator, value: decodeDocument(raw, source, startLine, decodeLimits) };
  }
}

function formatBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
