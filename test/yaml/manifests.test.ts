import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/errors';
import { eachManifest, parseManifests } from '../../src/yaml/manifests';

const CONFORMANCE = join(__dirname, '../../../shared/conformance');

function parseError(text: string, source = 'x.yaml', limits = {}): string {
  try {
    parseManifests(text, source, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a parse error');
}

function values(text: string): unknown[] {
  return parseManifests(text, 'x.yaml').map((doc) => doc.value);
}

describe('parseManifests: document splitting (Kubernetes YAMLReader)', () => {
  it('splits on --- lines, keeps each raw text and its first line, drops whitespace-only documents', () => {
    const text = '---\napiVersion: v1\nkind: A # keep\n---\n\n  \n--- # comment\nkind: B\n---\n';
    const docs = parseManifests(text, 'x.yaml');
    expect(docs.map((d) => [d.raw, d.startLine])).toEqual([
      ['apiVersion: v1\nkind: A # keep\n', 2],
      ['kind: B\n', 8],
    ]);
    expect(docs.map((d) => d.value)).toEqual([{ apiVersion: 'v1', kind: 'A' }, { kind: 'B' }]);
  });

  it('keeps a comment-only document (Istio copies it through) with a null value', () => {
    const docs = parseManifests('# licence header\n---\nkind: A\n', 'x.yaml');
    expect(docs).toEqual([
      { raw: '# licence header\n', startLine: 1, separator: '', value: null },
      { raw: 'kind: A\n', startLine: 3, separator: '', value: { kind: 'A' } },
    ]);
  });

  it('keeps CRLF text and a final line without newline byte for byte', () => {
    const docs = parseManifests('a: 1\r\n---\r\nb: 2', 'x.yaml');
    expect(docs.map((d) => d.raw)).toEqual(['a: 1\r\n', 'b: 2']);
    expect(docs.map((d) => d.value)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('splits the hello-multi golden input into its two deployments', () => {
    const text = readFileSync(join(CONFORMANCE, 'istio-inject/inject/hello-multi.yaml'), 'utf8');
    const docs = parseManifests(text, 'hello-multi.yaml');
    expect(docs.map((d) => (d.value as { metadata: { name: string } }).metadata.name)).toEqual(['hello-v1', 'hello-v2']);
    expect(docs.map((d) => d.startLine)).toEqual([2, 29]);
  });

  it('keeps the separator that opens a document and blank documents when asked, as YAMLReader yields them', () => {
    const text = '--- # first\r\nkind: A\n---\n---\n\n---\nkind: B\n---\n---\n';
    const framed = [...eachManifest(text, 'x.yaml', {}, { blankDocuments: true })];
    expect(framed.map((d) => [d.separator, d.raw, d.startLine])).toEqual([
      ['--- # first\n', 'kind: A\n', 2],
      ['---\n', '\n', 5],
      ['', 'kind: B\n', 7],
      ['---\n', '', 10],
    ]);
    expect(parseManifests(text, 'x.yaml').map((d) => d.raw)).toEqual(['kind: A\n', 'kind: B\n']);
  });

  it('rejects text after a separator, as YAMLReader does', () => {
    expect(parseError('a: 1\n--- b: 2\n')).toBe('x.yaml:2: invalid YAML: invalid document separator "b: 2"');
  });
});

describe('parseManifests: values as Kubernetes decodes them', () => {
  it('resolves YAML 1.1 scalars the go-yaml v2 way', () => {
    const [value] = values(
      [
        'yes1: yes', 'y1: y', 'on1: on', 'off1: Off', 'no1: NO', 'tilde: ~', 'null1: Null', 'empty:',
        'hex: 0x1F', 'octal: 017', 'octal2: 0o17', 'under: 1_000', 'float: 1.5', 'exp: 1e3', 'dot: .5',
        'onezero: 1.0', 'plus: +12', 'bin: 0b101', 'eight: 08', 'sexagesimal: 1:30', 'huge: 1e400',
        'date: 2001-12-14', 'stamp: 2001-12-14T21:59:43.10Z', 'quoted: "15001"', 'single: \'true\'',
        'str: !!str 12', 'int: !!int "12"', 'block: |\n  text\n', 'neg: -0x1F', 'under2: _1', 'binary: !!binary aGVsbG8=',
        'custom: !Ref foo',
      ].join('\n'),
    );
    expect(value).toEqual({
      yes1: true, y1: true, on1: true, off1: false, no1: false, tilde: null, null1: null, empty: null,
      hex: 31, octal: 15, octal2: 15, under: 1000, float: 1.5, exp: 1000, dot: 0.5,
      onezero: 1, plus: 12, bin: 5, eight: 8, sexagesimal: '1:30', huge: '1e400',
      date: '2001-12-14', stamp: '2001-12-14T21:59:43.10Z', quoted: '15001', single: 'true',
      str: '12', int: 12, block: 'text\n', neg: -31, under2: '_1', binary: 'hello', custom: 'foo',
    });
  });

  it('turns int, float and bool keys into strings like sigs.k8s.io/yaml', () => {
    expect(values('1: a\n1.5: b\ntrue: c\n0x10: d\nn: e\n')).toEqual([{ 1: 'a', '1.5': 'b', true: 'c', 16: 'd', false: 'e' }]);
    expect(parseError('y: 1\non: 2\n')).toBe('x.yaml:2: duplicate key "true" (written "on")');
  });

  it('applies merge keys and expands anchors into independent copies', () => {
    const [value] = values('base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\nl: &l [1]\nk: *l\n') as [Record<string, unknown>];
    expect(value).toEqual({ base: { x: 1, z: 2 }, m: { x: 1, z: 3 }, l: [1], k: [1] });
    expect(value.l).not.toBe(value.k);
  });

  it('keeps a "__proto__" key as data', () => {
    const [value] = values('__proto__: {polluted: true}\n') as [Record<string, unknown>];
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseManifests: bad input is one clear line naming file and line', () => {
  it('reports the upstream helloworld duplicate key with its key and line', () => {
    const file = join(CONFORMANCE, 'guestbook-upstream/helloworld-deployment.yaml');
    expect(parseError(readFileSync(file, 'utf8'), 'helloworld-deployment.yaml')).toBe(
      'helloworld-deployment.yaml:36: duplicate key "version"',
    );
  });

  it('counts lines from the start of the whole file in later documents', () => {
    expect(parseError('a: 1\n---\nkind: A\nb: 1\nb: 2\n')).toBe('x.yaml:5: duplicate key "b"');
  });

  it('reports invalid YAML with its line', () => {
    expect(parseError('kind: A\nspec:\n  a: [1, 2\nb: 3\n')).toMatch(/^x\.yaml:4: invalid YAML: .+/);
    expect(parseError('---\nkind: A\n  bad: indent\n')).toMatch(/^x\.yaml:2: invalid YAML: .+/);
    expect(parseError('a: 1\nb: "unterminated\n')).toMatch(/^x\.yaml:[23]: invalid YAML: .+/);
    expect(parseError('a: *nowhere\n')).toMatch(/^x\.yaml:1: invalid YAML: .+/);
  });

  it('rejects values JSON cannot hold and keys it cannot have', () => {
    expect(parseError('a: 1\nb: .inf\n')).toBe('x.yaml:2: invalid YAML: .inf is not a valid JSON number');
    expect(parseError('a: 1\n~: 2\n')).toBe('x.yaml:2: invalid YAML: unsupported map key (null)');
    expect(parseError('a: 1\n[x]: 2\n')).toBe('x.yaml:2: invalid YAML: unsupported map key (not a scalar)');
  });

  it('rejects a billion-laughs alias bomb without expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    expect(parseError(`kind: A\n${levels.join('\n')}\n`)).toBe('x.yaml:4: too many aliases (alias bomb?)');
  });

  it('rejects a few aliases to a huge subtree', () => {
    const big = `big: &big [${Array(5_000).fill('x').join(',')}]`;
    const uses = Array.from({ length: 60 }, (_, i) => `u${i}: *big`).join('\n');
    expect(parseError(`${big}\n${uses}\n`, 'x.yaml', { maxBytes: 16 * 1024 * 1024 })).toMatch(/^x\.yaml:\d+: too many aliases \(alias bomb\?\)$/);
  });

  it('rejects oversize input before parsing it', () => {
    const huge = 'a: [' + 'x,'.repeat(3 * 1024 * 1024);
    expect(parseError(huge)).toBe('x.yaml: input is larger than 4 MiB');
    expect(parseError('a: 1234\n', 'x.yaml', { maxBytes: 4 })).toBe('x.yaml: input is larger than 4 bytes');
  });

  it('limits nesting depth and document count', () => {
    expect(parseError(`a: ${'['.repeat(150)}${']'.repeat(150)}\n`)).toBe('x.yaml:1: too deeply nested (more than 100 levels)');
    expect(parseError('['.repeat(20_000))).toMatch(/^x\.yaml:1: /);
    expect(parseError('a: 1\n---\nb: 1\n---\nc: 1\n', 'x.yaml', { maxDocuments: 2 })).toBe(
      'x.yaml:5: too many documents (more than 2)',
    );
  });

  // Found by the reliability fuzzing: a million "[" used to exhaust the heap inside the yaml parser and kill
  // the process; compact "- - - …" nesting took seconds before the parser's stack overflowed.
  it('refuses absurd nesting before the parser sees it', () => {
    expect(parseError(`a: ${'['.repeat(1_000_000)}\n`)).toBe('x.yaml:1: too deeply nested (more than 100 levels)');
    expect(parseError(`kind: A\nb:\n  ${'{'.repeat(300)}\n`)).toBe('x.yaml:3: too deeply nested (more than 100 levels)');
    expect(parseError(`${'- '.repeat(100_000)}1\n`)).toBe('x.yaml:1: document is too deeply nested (indented more than 1000 columns)');
  });

  it('does not count brackets inside scalars as nesting', () => {
    const brackets = '['.repeat(300);
    expect(values(`a: "${brackets}"\nb: |\n  ${brackets}\nc: x${brackets}\n`)).toEqual([{ a: brackets, b: `${brackets}\n`, c: `x${brackets}` }]);
  });
});
