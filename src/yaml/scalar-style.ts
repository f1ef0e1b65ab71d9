import { needsQuotingAsNonString } from './resolve';

// How go-yaml v2's emitter (the writer behind sigs.k8s.io/yaml) chooses a style for a string:
// what its scalar analysis allows, and what the encoder asks for.

export const enum Style {
  Plain,
  Single,
  Double,
  Literal,
}

export interface ScalarFacts {
  /** The string as go-yaml sees it: lone surrogates became U+FFFD (Go's JSON step does that). */
  text: string;
  ascii: boolean;
  multiline: boolean;
  /** UTF-8 length, needed for the 128-byte simple-key limit. */
  bytes: number;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

// YAML's printable set as go-yaml tests it on UTF-8 (note: tab, DEL, C1 controls, U+FEFF and every
// character outside the BMP are "not printable" and force double quotes).
export function isPrintable(c: number): boolean {
  if (c < 0x80) return c === 0x0a || (c >= 0x20 && c <= 0x7e);
  if (c < 0xa0) return false;
  if (c <= 0xd7ff) return true;
  return c >= 0xe000 && c <= 0xfffd && c !== 0xfeff;
}

export function isBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
}

// No indicator first, no space, nothing unprintable, not ending in ':' (checked separately).
const SAFE_ASCII = /^[\w/$(=][\w./=$(),;+<>~^:@%*&!?-]*$/;

export function analyzeScalar(input: string): ScalarFacts {
  // Most strings in manifests: letters, digits and a few harmless punctuation marks.
  if (SAFE_ASCII.test(input) && input.charCodeAt(input.length - 1) !== 0x3a) {
    return { text: input, ascii: true, multiline: false, bytes: input.length, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  }
  const text = wellFormed(input);
  if (text.length === 0) {
    return { text, ascii: true, multiline: false, bytes: 0, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = text.startsWith('---') || text.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  let ascii = true;
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.codePointAt(i) as number;
    const width = c > 0xffff ? 2 : 1;
    const last = i + width >= text.length;
    const next = last ? 0 : text.charCodeAt(i + width);
    const followedByWhitespace = last || next === 0x20 || next === 0x09;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (c >= 0x80) ascii = false;
    if (i === 0) {
      switch (c) {
        case 0x23: case 0x2c: case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x26: case 0x2a: case 0x21:
        case 0x7c: case 0x3e: case 0x27: case 0x22: case 0x25: case 0x40: case 0x60: // # , [ ] { } & * ! | > ' " % @ `
          blockIndicators = true;
          break;
        case 0x3f: case 0x3a: // ? :
        case 0x2d: // -
          if (followedByWhitespace) blockIndicators = true;
          break;
      }
    } else if ((c === 0x3a && followedByWhitespace) || (c === 0x23 && precededByWhitespace)) {
      blockIndicators = true; // ": " or " #"
    }
    if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = c === 0x20 || c === 0x09 || isBreak(c) || c === 0;
    i += width;
  }
  let blockPlainAllowed = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let singleQuotedAllowed = true;
  let blockAllowed = !trailingSpace;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
    blockAllowed = false;
  }
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { text, ascii, multiline: lineBreaks, bytes, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

/** The style go-yaml v2 ends up writing a string in, in block context. */
export function chooseStyle(facts: ScalarFacts, simpleKey: boolean): Style {
  let style = facts.text.includes('\n') ? Style.Literal : needsQuotingAsNonString(facts.text) ? Style.Double : Style.Plain;
  if (simpleKey && facts.multiline) style = Style.Double;
  if (style === Style.Plain && !facts.blockPlainAllowed) style = Style.Single;
  if (style === Style.Single && !facts.singleQuotedAllowed) style = Style.Double;
  if (style === Style.Literal && (!facts.blockAllowed || simpleKey)) style = Style.Double;
  return style;
}

function wellFormed(s: string): string {
  return /[\ud800-\udfff]/.test(s) ? s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd') : s;
}
