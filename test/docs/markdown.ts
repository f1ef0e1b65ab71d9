// What the docs test reads in Markdown: code (fenced blocks and inline spans, where commands and flags are
// named), links, and the anchors GitHub gives headings.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface DocFile {
  /** Path relative to the repository root. */
  file: string;
  text: string;
}

/** README.md and every Markdown file under docs/. */
export function docFiles(root: string): DocFile[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : name.endsWith('.md') ? [full] : [];
    });
  const docsDir = path.join(root, 'docs');
  const files = [path.join(root, 'README.md'), ...(statSync(docsDir, { throwIfNoEntry: false })?.isDirectory() ? walk(docsDir) : [])];
  return files.sort().map((full) => ({ file: path.relative(root, full), text: readFileSync(full, 'utf8') }));
}

export interface CodeFragment {
  /** The code, one line (a line of a fenced block, or an inline span). */
  code: string;
  /** 1-based line in the file. */
  line: number;
  /** An inline span, as opposed to a line of a fenced block. */
  inline: boolean;
}

/** The file's lines, each marked as inside a fenced code block or not (the fence lines themselves are left out). */
function markdownLines(text: string): { line: number; raw: string; fenced: boolean }[] {
  const lines: { line: number; raw: string; fenced: boolean }[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fence !== undefined && opening && opening[1]!.startsWith(fence)) fence = undefined;
    else if (fence === undefined && opening) fence = opening[1]!;
    else lines.push({ line: index + 1, raw, fenced: fence !== undefined });
  });
  return lines;
}

const INLINE_CODE = /(`+)(.+?)\1/g;

/** The lines of fenced code blocks, and the inline code spans of the other lines (`\|` in tables read as `|`). */
export function codeFragments(text: string): CodeFragment[] {
  return markdownLines(text).flatMap(({ line, raw, fenced }): CodeFragment[] =>
    fenced
      ? [{ code: raw, line, inline: false }]
      : [...raw.matchAll(INLINE_CODE)].map((span) => ({ code: span[2]!.replace(/\\\|/g, '|').trim(), line, inline: true })),
  );
}

/** The lines outside fenced blocks, with inline code masked (a link or heading mark inside it is code). */
function prose(text: string): { line: number; text: string; raw: string }[] {
  return markdownLines(text)
    .filter((l) => !l.fenced)
    .map(({ line, raw }) => ({ line, raw, text: raw.replace(INLINE_CODE, (_m, ticks: string, code: string) => `${ticks}${'x'.repeat(code.length)}${ticks}`) }));
}

/** Relative link targets (`[text](target)`), without web addresses and mail links. */
export function relativeLinks(text: string): { target: string; line: number }[] {
  return prose(text).flatMap(({ line, text: t }) =>
    [...t.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ target, line })),
  );
}

/** The anchors GitHub gives a file's headings: lowercased, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { raw } of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) anchors.add(anchorOf(heading[1]!, seen));
  }
  return anchors;
}

function anchorOf(heading: string, seen: Map<string, number>): string {
  const base = heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
  const count = seen.get(base) ?? 0;
  seen.set(base, count + 1);
  return count === 0 ? base : `${base}-${count}`;
}
