import { applyPatch, createPatch, jsonEqual, type JsonValue } from '../../src/json-patch';

const pod: JsonValue = {
  metadata: { name: 'p', labels: { app: 'a', 'x/y': '1' }, annotations: { 'a~b': 'c' } },
  spec: {
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }],
    volumes: [{ name: 'v', emptyDir: {} }],
  },
};

const cases: [string, JsonValue, JsonValue][] = [
  ['identical documents', pod, structuredClone(pod)],
  [
    'sidecar injected: prefixed init containers, appended container, new labels and volumes',
    pod,
    {
      metadata: {
        name: 'p',
        labels: { app: 'a', 'x/y': '2', 'security.istio.io/tlsMode': 'istio' },
        annotations: { 'a~b': 'c', 'sidecar.istio.io/status': '{}' },
      },
      spec: {
        initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }, { name: 'init', image: 'busybox' }],
        containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }, { name: 'istio-proxy' }],
        volumes: [{ name: 'v', emptyDir: {} }, { name: 'istio-envoy', emptyDir: { medium: 'Memory' } }],
      },
    },
  ],
  ['removed keys and shrunk arrays', pod, { metadata: { name: 'p' }, spec: { containers: [] } }],
  ['type changes', { a: [1, 2], b: { c: 1 }, d: null }, { a: { x: 1 }, b: 'text', d: [null] }],
  ['reordered array elements', { a: [1, 2, 3] }, { a: [3, 1, 2, 4] }],
  ['root replaced', [1], { a: 1 }],
];

describe('createPatch', () => {
  it.each(cases)('%s: applying the patch to the original gives the target', (_name, original, target) => {
    const patch = createPatch(original, target);
    expect(jsonEqual(applyPatch(original, patch), target)).toBe(true);
  });

  it('is empty for equal documents, whatever the key order', () => {
    expect(createPatch({ a: 1, b: { c: [1] } }, { b: { c: [1] }, a: 1 })).toEqual([]);
  });

  it('escapes ~ and / in keys (RFC 6901)', () => {
    expect(createPatch({ l: {} }, { l: { 'a/b~c': 'x' } })).toEqual([{ op: 'add', path: '/l/a~1b~0c', value: 'x' }]);
  });

  it('spells a prefix insertion as adds at the front', () => {
    expect(createPatch({ c: [{ n: 1 }] }, { c: [{ n: 0 }, { n: 1 }] })).toEqual([{ op: 'add', path: '/c/0', value: { n: 0 } }]);
  });

  it('removes array tails from the end so indexes stay valid', () => {
    expect(createPatch({ c: [1, 2, 3] }, { c: [1] })).toEqual([
      { op: 'remove', path: '/c/2' },
      { op: 'remove', path: '/c/1' },
    ]);
  });
});

describe('applyPatch', () => {
  it('rejects a path that does not exist', () => {
    expect(() => applyPatch({ a: {} }, [{ op: 'replace', path: '/b/c', value: 1 }])).toThrow('/b/c');
  });
});

// Admission reviews are parsed with JSON.parse, so every object inherits Object.prototype's names: a key
// such as `constructor` or `toString` in a pod (an annotation, a label, a ConfigMap key) is an ordinary key.
describe('keys named like Object.prototype members', () => {
  it('adds a new `constructor` key with add, not a replace of a key that does not exist', () => {
    expect(createPatch({ labels: {} }, { labels: { constructor: 'x' } })).toEqual([
      { op: 'add', path: '/labels/constructor', value: 'x' },
    ]);
  });

  it('removes an existing `toString` key', () => {
    expect(createPatch({ labels: { toString: 'x', a: '1' } }, { labels: { a: '1' } })).toEqual([
      { op: 'remove', path: '/labels/toString' },
    ]);
  });

  it('does not call documents equal when only one has a `hasOwnProperty` key', () => {
    expect(jsonEqual({ hasOwnProperty: 1 }, { valueOf: 1 })).toBe(false);
    expect(jsonEqual(JSON.parse('{"a":1}'), JSON.parse('{"constructor":1}'))).toBe(false);
  });

  it('applyPatch refuses to replace or remove an inherited name and walks only own keys', () => {
    expect(() => applyPatch({ a: {} }, [{ op: 'replace', path: '/a/constructor', value: 1 }])).toThrow('/a/constructor');
    expect(() => applyPatch({ a: {} }, [{ op: 'remove', path: '/a/toString' }])).toThrow('/a/toString');
    expect(() => applyPatch({ a: {} }, [{ op: 'add', path: '/a/constructor/name', value: 1 }])).toThrow('/a/constructor/name');
  });

  it.each([
    ['added', { m: { a: 1 } }, { m: { a: 1, constructor: { x: 1 }, __proto__x: 2 } }],
    ['removed', { m: { toString: 'x', valueOf: [1] } }, { m: {} }],
    ['changed', { m: { constructor: 'a' } }, { m: { constructor: 'b' } }],
  ] as [string, JsonValue, JsonValue][])('%s prototype-named keys round-trip through the patch', (_n, original, target) => {
    const patch = createPatch(original, target);
    expect(jsonEqual(applyPatch(original, patch), target)).toBe(true);
  });
});
