import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toIstioYaml } from '../../src/yaml/istio-yaml';
import { keyLess } from '../../src/yaml/key-order';
import { parseManifests } from '../../src/yaml/manifests';

const GOLDENS = join(__dirname, '../../../shared/conformance/istio-inject/inject');

// Kinds istioctl decodes and re-marshals; every other document is copied through as raw text.
const WORKLOAD_KINDS = new Set([
  'Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController',
  'DeploymentConfig', 'List',
]);

describe('toIstioYaml: the Istio goldens are its oracle', () => {
  const goldens = readdirSync(GOLDENS).filter((f) => f.endsWith('.injected')).sort();
  const workloads = goldens.flatMap((file) =>
    parseManifests(readFileSync(join(GOLDENS, file), 'utf8'), file)
      .filter((doc) => WORKLOAD_KINDS.has((doc.value as { kind?: string } | null)?.kind ?? ''))
      .map((doc) => ({ name: `${file}:${doc.startLine}`, doc })),
  );

  it('covers every golden file', () => {
    expect(goldens).toHaveLength(77);
    expect(workloads).toHaveLength(77);
  });

  it.each(workloads.map(({ name, doc }) => [name, doc] as const))('re-serialises %s byte for byte', (_name, doc) => {
    expect(toIstioYaml(doc.value)).toBe(doc.raw);
  });
});

// Expected outputs were produced by sigs.k8s.io/yaml v1.6.0 (go.yaml.in/yaml/v2 v2.4.2) JSONToYAML.
const goCases = JSON.parse(readFileSync(join(__dirname, 'fixtures/go-yaml-marshal-cases.json'), 'utf8')) as Array<{ value: unknown; yaml: string }>;

describe('toIstioYaml: matches sigs.k8s.io/yaml on tricky scalars and shapes', () => {
  it.each(goCases.map((c) => [JSON.stringify(c.value).slice(0, 70), c] as const))('%s', (_name, c) => {
    expect(toIstioYaml(c.value)).toBe(c.yaml);
  });
});

describe('toIstioYaml: details', () => {
  it('writes the status annotation, empty strings and numeric strings as Istio does', () => {
    const value = {
      metadata: { annotations: { 'sidecar.istio.io/status': '{"initContainers":["istio-init"]}', 'prometheus.io/port': '15020' } },
      spec: { args: ['-p', '15001', '-i', '*', '-x', ''], resources: {}, list: [] },
    };
    expect(toIstioYaml(value)).toBe(
      [
        'metadata:',
        '  annotations:',
        '    prometheus.io/port: "15020"',
        `    sidecar.istio.io/status: '{"initContainers":["istio-init"]}'`,
        'spec:',
        '  args:',
        '  - -p',
        '  - "15001"',
        '  - -i',
        "  - '*'",
        '  - -x',
        '  - ""',
        '  list: []',
        '  resources: {}',
        '',
      ].join('\n'),
    );
  });

  it('drops undefined object members and writes undefined list items as null, as JSON does', () => {
    expect(toIstioYaml({ a: undefined, b: [undefined, 1] })).toBe('b:\n- null\n- 1\n');
  });

  it('escapes what YAML cannot print and replaces lone surrogates', () => {
    expect(toIstioYaml({ a: 'bell\u0007', b: '\ud800x' })).toBe('a: "bell\\a"\nb: \ufffdx\n');
  });

  // Line lengths as sigs.k8s.io/yaml v1.6.0 writes this value.
  it('folds long plain scalars at the first space past column 80, indented under the key', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const out = toIstioYaml({ spec: { description: words } });
    expect(out.split('\n').map((l) => l.length)).toEqual([5, 81, 87, 52, 0]);
    expect((parseManifests(out, 'x.yaml')[0].value as { spec: { description: string } }).spec.description).toBe(words);
  });

  it('orders keys the go-yaml way: non-letters first, digit runs by value', () => {
    expect(Object.keys(parseManifests(toIstioYaml({ b: 1, a10: 1, a9: 1, a_x: 1, aB: 1, A: 1 }), 'x')[0].value as object)).toEqual([
      'A', 'a_x', 'a9', 'a10', 'aB', 'b',
    ]);
    expect(keyLess('app', 'app.kubernetes.io/name')).toBe(true);
    expect(keyLess('x', 'x')).toBe(false);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => toIstioYaml({ a: NaN })).toThrow(/not a JSON number/);
    expect(() => toIstioYaml({ a: () => 1, b: Symbol('s') })).toThrow(/cannot serialise a symbol/);
  });
});
