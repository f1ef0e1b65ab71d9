// Kubernetes resource.Quantity: parse and print in canonical form, as Go's typed decode does
// (2000m → "2", 1024Mi → "1Gi", 0.1 → "100m").
import { setBounded } from '../memoise';

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Record<number, string> = Object.fromEntries(
  Object.entries(DECIMAL).map(([suffix, exp]) => [exp, suffix]),
);

type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

/** Exact rational value num/den plus the format the input used. */
interface Parsed {
  num: bigint;
  den: bigint;
  format: Format;
}

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE]?)$/;

function parse(text: string): Parsed | undefined {
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const [, sign, digits, suffix] = m;
  const [intPart, fracPart = ''] = digits.split('.');
  let num = BigInt((intPart || '0') + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  let format: Format;
  if (suffix in BINARY) {
    format = 'BinarySI';
    num *= 1024n ** BigInt(BINARY[suffix]);
  } else if (/^[eE]/.test(suffix)) {
    format = 'DecimalExponent';
    const exp = Number(suffix.slice(1));
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  } else {
    format = 'DecimalSI';
    const exp = DECIMAL[suffix];
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  if (sign === '-') num = -num;
  return { num, den, format };
}

export function isQuantity(text: string): boolean {
  return parse(text) !== undefined;
}

// Every normalisation of a pod re-canonicalises the sidecar's few resource strings ("100m", "128Mi", ...), and
// the BigInt arithmetic below dominated it; a workload uses a handful of distinct quantities, so results are
// remembered (bounded, so odd inputs cannot grow it without limit).
const canonicalCache = new Map<string, string | undefined>();
const CANONICAL_CACHE_LIMIT = 1000;

/** Canonical string of a quantity, or undefined when the text is not a quantity. */
export function canonicalQuantity(input: string | number): string | undefined {
  const text = String(input);
  const cached = canonicalCache.get(text);
  if (cached !== undefined || canonicalCache.has(text)) return cached;
  const canonical = computeCanonicalQuantity(text);
  setBounded(canonicalCache, text, canonical, CANONICAL_CACHE_LIMIT);
  return canonical;
}

function computeCanonicalQuantity(text: string): string | undefined {
  const p = parse(text);
  if (!p) return undefined;
  const { num, den } = p;
  let { format } = p;
  // Kubernetes keeps nano precision, rounding up.
  const nanos = ceilDiv(num * 1_000_000_000n, den);
  const isInteger = nanos % 1_000_000_000n === 0n;
  if (format === 'BinarySI') {
    const whole = nanos / 1_000_000_000n;
    if (!isInteger || (whole > -1024n && whole < 1024n)) format = 'DecimalSI';
    else {
      let exp = 0;
      let mant = whole;
      while (exp < 6 && mant % 1024n === 0n && mant !== 0n) {
        mant /= 1024n;
        exp++;
      }
      const suffix = Object.keys(BINARY).find((k) => BINARY[k] === exp) ?? '';
      return `${mant}${suffix}`;
    }
  }
  if (nanos === 0n) return '0';
  let exp = -9;
  let mant = nanos;
  while (exp < 18 && mant % 1000n === 0n) {
    mant /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${mant}` : `${mant}e${exp}`;
  return `${mant}${DECIMAL_SUFFIX[exp]}`;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q;
}
