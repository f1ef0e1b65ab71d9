// The fast reader of rendered template YAML must read exactly what the full YAML 1.1 parser reads, and
// hand what it does not know to that parser.
import { parse } from 'yaml';
import { parseOverlayYaml, readCommonYaml, UNSUPPORTED } from '../../src/inject/overlay-yaml';

const full = (t: string) => parse(t, { version: '1.1', uniqueKeys: false });

const FAST: Record<string, string> = {
  'block maps and sequences flush with their key': 'a:\n  b: 1\n  c:\n  - x\n  - p: 2\n    q: "3"\nd: ~\n',
  'YAML 1.1 scalars': 'a: yes\nb: off\nc: 0755\nd: 0x1F\ne: 1.5\nf: .inf\ng: null\nh: "yes"\ni: \'it\'\'s\'\nj: 1_000\n',
  'flow mapping over several lines, trailing comma': 'annotations: {\n  istio.io/rev: "default",\n  k: \'v\',\n  m: 5,\n}\n',
  'JSON flow and empty collections': 'a: []\nb: {}\nc: ["x", 1, {"k": true}]\n',
  'literal block scalars': 'a: |\n  {"x": 1}\n\n  y\nb: |-\n  keep\n    indented\nc: x\n',
  'comments and blank lines': '# c\na: b # trailing\n\n  # indented comment\nc: d\n',
  'nested sequences and "-" alone': '- - a\n  - b\n-\n  k: v\n- c\n',
  'duplicate keys: the last wins': 'a: 1\na: 2\n',
};

const SLOW: Record<string, string> = {
  'keys YAML 1.1 reads as booleans (y, n, on, …)': 'y: 1\n',
  'anchors and aliases': 'a: &x 1\nb: *x\n',
  'folded scalars': 'a: >\n  x\n  y\n',
  'multi-line plain scalars': 'a: x\n  y\n',
  'keep chomping': 'a: |+\n  x\n\nb: 1\n',
  tags: 'a: !!str 1\n',
  'multi-line double-quoted': 'a: "x\n  y"\n',
};

describe('fast reader', () => {
  it.each(Object.entries(FAST))('%s', (_n, text) => {
    expect(readCommonYaml(text)).not.toBe(UNSUPPORTED);
    expect(readCommonYaml(text)).toEqual(full(text));
  });

  it.each(Object.entries(SLOW))('hands %s to the full parser', (_n, text) => {
    expect(readCommonYaml(text)).toBe(UNSUPPORTED);
    expect(parseOverlayYaml(text)).toEqual(full(text));
  });
});
