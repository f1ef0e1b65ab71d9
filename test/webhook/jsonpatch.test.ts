import { applyPatch, createPatch, jsonEqual, type JsonValue } from '../../src/webhook/jsonpatch';

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
