// Go's strconv.FormatFloat(f, 'g', -1, bits): shortest round-trip digits, exponent form when the
// decimal exponent is below -4 or at least 6 ("1e+06", "1.5e-07").
export function goFormatFloat(value: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const f = bits === 32 ? Math.fround(value) : value;
  if (bits === 32 && !Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const [mantissa, exponentText] = shortestExponential(f, bits).split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(Number(`${mantissa}e${exponent}`));
}

function shortestExponential(f: number, bits: 32 | 64): string {
  if (bits === 64 || f === 0) return f.toExponential();
  for (let digits = 0; digits <= 8; digits++) {
    const text = f.toExponential(digits);
    if (Math.fround(Number(text)) === f) return text;
  }
  return f.toExponential(8);
}

/**
 * What Kubernetes stores when a manifest puts a number or boolean where the API wants a string
 * (labels, annotations, env values: `version: 1.0` becomes "1"): sigs.k8s.io/yaml's conversion, with
 * floats in 32-bit 'g' form. Other values are returned unchanged.
 */
export function coerceToKubernetesString(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  return Number.isInteger(value) && Math.abs(value) < 2 ** 64 ? BigInt(value).toString() : goFormatFloat(value, 32);
}
