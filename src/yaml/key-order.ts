// The order go-yaml v2 writes map keys in (its `keyList.Less`), which is what sigs.k8s.io/yaml and
// therefore Istio produce. It is not plain byte order: non-letters sort before letters, and runs of
// digits compare as numbers ("a9" < "a10").

export function sortKeysGoYaml(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  return keys.sort(compareKeys);
}

function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return keyLess(a, b) ? -1 : keyLess(b, a) ? 1 : 0;
}

export function keyLess(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && i < b.length) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca === cb) {
      i += ca > 0xffff ? 2 : 1;
      continue;
    }
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return ca < cb;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ca === 48 || cb === 48) {
      // go-yaml's quirk: a zero continuing a non-zero number counts as part of it
      for (let j = i - 1; j >= 0 && isDigit(a.charCodeAt(j)); j--) {
        if (a.charCodeAt(j) !== 48) {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < a.length && isDigit(a.charCodeAt(ai)); ai++) an = an * 10 + (a.charCodeAt(ai) - 48);
    let bi = i;
    for (; bi < b.length && isDigit(b.charCodeAt(bi)); bi++) bn = bn * 10 + (b.charCodeAt(bi) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca < cb;
  }
  return runeLength(a, i) < runeLength(b, i);
}

function isLetter(c: number): boolean {
  if (c < 0x80) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER.test(String.fromCodePoint(c));
}

function isDigit(c: number): boolean {
  if (c < 0x80) return c >= 48 && c <= 57;
  return DIGIT.test(String.fromCharCode(c));
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

// Length in code points; the first `from` code units are a prefix shared by both strings, so only
// the rest needs counting to compare the two.
function runeLength(s: string, from: number): number {
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}
