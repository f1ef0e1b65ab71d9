// How go-yaml v2 (the decoder under sigs.k8s.io/yaml, hence under Kubernetes and Istio) reads an
// unquoted scalar. The parser uses it to decode plain scalars the way Kubernetes does; the serialiser
// uses it to decide which strings must be quoted so that they read back as strings.

export type Resolved =
  | { kind: 'str' }
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  // YAML 1.1 timestamps: Kubernetes keeps the original text, but they are not plain strings on output.
  | { kind: 'timestamp' };

const STR: Resolved = { kind: 'str' };
const NULL: Resolved = { kind: 'null' };
const TIMESTAMP: Resolved = { kind: 'timestamp' };

const WORDS = new Map<string, Resolved>();
function words(resolved: Resolved, list: string): void {
  for (const word of list.split(' ')) WORDS.set(word, resolved);
}
words({ kind: 'bool', value: true }, 'y Y yes Yes YES true True TRUE on On ON');
words({ kind: 'bool', value: false }, 'n N no No NO false False FALSE off Off OFF');
words(NULL, '~ null Null NULL');
WORDS.set('', NULL);
words({ kind: 'float', value: NaN }, '.nan .NaN .NAN');
words({ kind: 'float', value: Infinity }, '.inf .Inf .INF +.inf +.Inf +.INF');
words({ kind: 'float', value: -Infinity }, '-.inf -.Inf -.INF');

// First characters that can start a non-string plain scalar ("hint" in go-yaml): sign, digit, one
// of the YAML 1.1 keyword initials, or '.'. ("<<" is a string here; merges are the decoder's business.)
function hintOf(code: number): 'D' | 'S' | 'M' | '.' | null {
  if (code >= 48 && code <= 57) return 'D';
  if (code === 43 || code === 45) return 'S';
  if (code === 46) return '.';
  switch (code) {
    case 121: case 89: case 110: case 78: case 116: case 84: case 102: case 70: case 111: case 79: case 126:
      return 'M';
  }
  return null;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_DECIMAL_FLOAT = /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/;

/** Resolves an untagged plain scalar exactly as go-yaml v2's `resolve("", s)`. */
export function resolvePlain(s: string): Resolved {
  if (s.length === 0) return NULL;
  const hint = hintOf(s.charCodeAt(0));
  if (hint === null) return STR;
  const word = WORDS.get(s);
  if (word !== undefined) return word;
  if (hint === 'M') return STR;
  if (hint === '.') {
    const f = goParseFloat(s);
    return f === null ? STR : { kind: 'float', value: f };
  }
  if (isGoTimestamp(s)) return TIMESTAMP;
  const plain = s.includes('_') ? s.replace(/_/g, '') : s;
  const int = goParseInt(plain);
  if (int !== null) return { kind: 'int', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = goParseFloat(plain);
    if (f !== null) return { kind: 'float', value: f };
  }
  if (plain.startsWith('0b')) {
    const bin = parseDigits(plain.slice(2), 2, true);
    if (bin !== null && bin >= INT64_MIN && bin <= UINT64_MAX) return { kind: 'int', value: bin };
  } else if (plain.startsWith('-0b')) {
    const bin = parseDigits('-' + plain.slice(3), 2, true);
    if (bin !== null && bin >= INT64_MIN && bin <= INT64_MAX) return { kind: 'int', value: bin };
  }
  return STR;
}

/**
 * Whether go-yaml v2 must quote `s` for it to read back as a string: it would resolve to something
 * else, or it is a YAML 1.1 base-60 number. Fast for the common case (a letter first).
 */
export function needsQuotingAsNonString(s: string): boolean {
  if (s.length === 0) return true;
  const first = s.charCodeAt(0);
  if (hintOf(first) === null) return false;
  if (resolvePlain(s).kind !== 'str') return true;
  return (first === 43 || first === 45 || (first >= 48 && first <= 57)) && s.includes(':') && BASE60_FLOAT.test(s);
}

const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

// strconv.ParseInt(s, 0, 64), falling back to strconv.ParseUint(s, 0, 64), as go-yaml does.
function goParseInt(s: string): bigint | null {
  let body = s;
  let negative = false;
  let signed = false;
  if (body[0] === '+' || body[0] === '-') {
    negative = body[0] === '-';
    signed = true;
    body = body.slice(1);
  }
  let base = 10;
  if (body.length > 1 && body[0] === '0') {
    const p = body[1];
    if (p === 'x' || p === 'X') { base = 16; body = body.slice(2); }
    else if (p === 'b' || p === 'B') { base = 2; body = body.slice(2); }
    else if (p === 'o' || p === 'O') { base = 8; body = body.slice(2); }
    else { base = 8; body = body.slice(1); }
  }
  const magnitude = parseDigits(body, base, false);
  if (magnitude === null) return null;
  const value = negative ? -magnitude : magnitude;
  if (value >= INT64_MIN && value <= INT64_MAX) return value;
  if (!signed && value <= UINT64_MAX) return value;
  return null;
}

function parseDigits(s: string, base: number, allowSign: boolean): bigint | null {
  let body = s;
  let negative = false;
  if (allowSign && (body[0] === '+' || body[0] === '-')) {
    negative = body[0] === '-';
    body = body.slice(1);
  }
  if (body.length === 0) return null;
  let value = 0n;
  const b = BigInt(base);
  for (let i = 0; i < body.length; i++) {
    const d = digitValue(body.charCodeAt(i));
    if (d < 0 || d >= base) return null;
    value = value * b + BigInt(d);
  }
  return negative ? -value : value;
}

function digitValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return -1;
}

// strconv.ParseFloat(s, 64) restricted to the decimal forms go-yaml can reach; null on a syntax or
// range error (overflow to infinity).
function goParseFloat(s: string): number | null {
  if (!GO_DECIMAL_FLOAT.test(s)) return null;
  const f = Number(s);
  return Number.isFinite(f) ? f : null;
}

// go-yaml v2 parseTimestamp: time.Parse with its four layouts, including Go's range checks.
const TS_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TS_DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|( +))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(Z|[+-]\d\d:\d\d)?$/;

function isGoTimestamp(s: string): boolean {
  if (s.length < 6 || s.charCodeAt(4) !== 45) return false;
  const date = TS_DATE.exec(s);
  if (date) return validDate(+date[1], +date[2], +date[3]);
  const m = TS_DATETIME.exec(s);
  if (!m) return false;
  const spaced = m[4] !== undefined;
  const zone = m[8];
  // The 'T' layouts require a zone; the space-separated layout allows none.
  if (spaced === (zone !== undefined)) return false;
  if (!validDate(+m[1], +m[2], +m[3])) return false;
  if (+m[5] > 23 || +m[6] > 59 || +m[7] > 59) return false;
  if (zone !== undefined && zone !== 'Z' && (+zone.slice(1, 3) > 24 || +zone.slice(4, 6) > 60)) return false;
  return true;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}
