// Differential conformance: the real istioctl (built from the Go module istio.io/istio) and mesh's engine on
// the same inputs with the same injector configuration (rendered by that istioctl from its own charts),
// compared byte for byte, document by document. Inputs: every row of the golden table in both layouts, and
// a seeded corpus of 5,000 generated workloads. The built-in engine is the same 1.31 chart, so nothing is taken out
// of either output; deliberate refusals are listed in test/inject/istioctl-refusals.txt.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { injectManifests, injectionSettings } from '../../src/inject';
import { deepMerge } from '../../src/inject/settings';
import { INJECT_DIR, loadCases, readInject, readList } from '../inject/cases';
import { generateCorpus } from '../support/workload-corpus';
import { injectorConfig, istioctlKubeInject, lineDiff, outputDocuments, type InjectorConfig } from '../support/real-istio';
import { istioKubeconfigPath } from './setup/cluster';
import type { JsonObject } from '../../src/json-object';

const CORPUS_SEED = 20261129;
const CORPUS_WORKLOADS = 5000;
const refusals = new Map(
  readList('istioctl-refusals.txt').map((line) => {
    const [id, ...reason] = line.split(' -- ');
    return [id.trim(), reason.join(' -- ').trim()] as const;
  }),
);

let config: InjectorConfig;
const work = mkdtempSync(path.join(tmpdir(), 'mesh-differential-'));

beforeAll(() => {
  config = injectorConfig();
});

/** The same overlay given to both: written into istioctl's files, merged into mesh's settings. */
function withOverlay(overlay: { values?: object; meshConfig?: object }, id: string): { config: InjectorConfig; values: JsonObject; meshConfig: JsonObject } {
  const values = overlay.values ? deepMerge(config.values, overlay.values) : config.values;
  const meshConfig = overlay.meshConfig ? deepMerge(config.meshConfig, overlay.meshConfig) : config.meshConfig;
  if (!overlay.values && !overlay.meshConfig) return { config, values, meshConfig };
  const dir = mkdtempSync(path.join(work, 'overlay-'));
  writeFileSync(path.join(dir, 'values.json'), JSON.stringify(values));
  writeFileSync(path.join(dir, 'mesh.yaml'), JSON.stringify(meshConfig));
  void id;
  return { config: { ...config, valuesFile: path.join(dir, 'values.json'), meshConfigFile: path.join(dir, 'mesh.yaml') }, values, meshConfig };
}

interface Comparison {
  documents: number;
  identical: number;
  firstDifference?: string;
}

/** Runs both on one file; exit codes must agree, and every document must be byte-identical. */
async function compare(file: string, text: string, nativeSidecars: boolean, overlay: { values?: object; meshConfig?: object } = {}): Promise<Comparison & { istioctlCode: number; meshError?: string }> {
  const setup = withOverlay(overlay, file);
  const istioctl = await istioctlKubeInject(file, setup.config, { kubeconfig: istioKubeconfigPath(), nativeSidecars });
  let meshOutput: string | undefined;
  let meshError: string | undefined;
  try {
    meshOutput = injectManifests(text, path.basename(file), injectionSettings({ values: setup.values, meshConfig: setup.meshConfig, nativeSidecars })).output;
  } catch (error) {
    meshError = (error as Error).message;
  }
  if (istioctl.code !== 0 || meshOutput === undefined) return { documents: 0, identical: 0, istioctlCode: istioctl.code, meshError };
  const theirs = outputDocuments(istioctl.stdout);
  const ours = outputDocuments(meshOutput);
  let identical = 0;
  let firstDifference: string | undefined;
  for (let i = 0; i < Math.max(theirs.length, ours.length); i++) {
    if (theirs[i] === ours[i]) identical++;
    else firstDifference ??= `document ${i} of ${path.basename(file)}:\n${lineDiff(theirs[i] ?? '(missing)', ours[i] ?? '(missing)')}`;
  }
  return { documents: Math.max(theirs.length, ours.length), identical, firstDifference, istioctlCode: 0 };
}

describe('real istioctl vs mesh, golden inputs (both layouts)', () => {
  const seen = new Set<string>();
  const cases = loadCases().filter((c) => {
    const key = `${c.input}|${JSON.stringify(c.options)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const layouts = cases.flatMap((c) =>
    c.setting.startsWith('values.') || c.setting.startsWith('meshConfig.') || c.setting.startsWith('ENABLE_NATIVE_SIDECARS')
      ? [c]
      : [c, { ...c, id: `${c.input} [classic]`, options: { ...c.options, nativeSidecars: false } }],
  );
  const dedup = [...new Map(layouts.map((c) => [`${c.input}|${JSON.stringify(c.options)}`, c])).values()];

  it.each(dedup.map((c) => [`${c.input} ${c.options.nativeSidecars ? 'native' : 'classic'} ${c.setting}`, c]))('%s', async (_label, c) => {
    const result = await compare(path.join(INJECT_DIR, c.input), readInject(c.input), c.options.nativeSidecars, c.options);
    const refusal = refusals.get(c.input);
    if (refusal) {
      // A documented, deliberate refusal: mesh says no where istioctl answers.
      expect(result.meshError).toBeDefined();
      return;
    }
    expect({ istioctlExit: result.istioctlCode === 0 ? 0 : 1, meshExit: result.meshError ? 1 : 0 }).toEqual({
      istioctlExit: result.istioctlCode === 0 ? 0 : 1,
      meshExit: result.istioctlCode === 0 ? 0 : 1,
    });
    expect(result.firstDifference ?? 'identical').toBe('identical');
  });

  it('lists only real golden inputs in istioctl-refusals.txt', () => {
    const inputs = new Set(cases.map((c) => c.input));
    for (const id of refusals.keys()) expect(inputs.has(id) ? id : `unknown: ${id}`).toBe(id);
  });
});

/** Inputs both must refuse (exit codes agree): what the corpus must avoid, since one makes istioctl reject a file. */
const deployment = (podSpec: string, annotations = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}${annotations ? `\n      annotations: {${annotations}}` : ''}
    spec:
${podSpec}`;
const REFUSED: Record<string, string> = {
  'YAML 1.1 boolean as an HTTP header value': deployment(`      containers:
      - name: web
        image: nginx
        readinessProbe:
          httpGet: {path: /, port: 80, httpHeaders: [{name: X-Probe, value: yes}]}
`),
  'a containerPort written as text': deployment(`      containers:
      - {name: web, image: nginx, ports: [{containerPort: eighty}]}
`),
  'an interception mode Istio does not have': deployment(`      containers:
      - {name: web, image: nginx}
`, '"sidecar.istio.io/interceptionMode": BOGUS'),
  'a port list with a port out of range': deployment(`      containers:
      - {name: web, image: nginx}
`, '"traffic.sidecar.istio.io/excludeInboundPorts": "70000"'),
};

describe('real istioctl vs mesh, inputs both refuse', () => {
  it.each(Object.entries(REFUSED))('%s', async (label, text) => {
    const file = path.join(work, `refused-${label.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const result = await compare(file, text, true);
    expect({ istioctl: result.istioctlCode === 0 ? 'accepted' : 'refused', mesh: result.meshError ? 'refused' : 'accepted' }).toEqual({ istioctl: 'refused', mesh: 'refused' });
    expect(result.meshError).toMatch(/^refused-.*\.yaml:\d+: /);
  });
});

/** Whole outputs, framing included: documents as Kubernetes' YAMLReader splits them and istioctl writes them back. */
const service = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n';
const withVolume = (volume: string) => deployment(`      volumes:\n      - ${volume}\n      containers:\n      - {name: web, image: nginx}\n`);
const FRAMING: Record<string, string> = {
  'a leading separator before a Service': `---\n${service}`,
  'a leading separator with a comment before a workload': `--- # web\n${deployment('      containers:\n      - {name: web, image: nginx}\n')}`,
  'a comment-only document, an empty one, consecutive separators': `# header\n---\n${service}---\n\n---\n---\n${service}---\n`,
  'CRLF line ends and no final newline': `${service.replace(/\n/g, '\r\n')}---\r\n${deployment('      containers:\n      - {name: web, image: nginx}\n').trimEnd()}`,
  'only separators': '---\n---\n',
  'fields a volume source does not have (rbd.imageformat)': withVolume('{name: ceph, rbd: {monitors: [m], image: i, imageformat: "2", imagefeatures: layering}}'),
  'omitempty zero values (glusterfs.readOnly: false, azureFile.readOnly: false)': withVolume('{name: g, glusterfs: {endpoints: e, path: p, readOnly: false}}').replace(
    '      containers:',
    '      - {name: a, azureFile: {secretName: s, shareName: x, readOnly: false}}\n      containers:',
  ),
  'an old-API DaemonSet without a selector': deployment('      containers:\n      - {name: web, image: nginx}\n')
    .replace('apps/v1\nkind: Deployment', 'extensions/v1beta1\nkind: DaemonSet')
    .replace('  selector: {matchLabels: {app: web}}\n', ''),
};

describe('real istioctl vs mesh, document framing and the typed round trip (whole outputs)', () => {
  it.each(Object.entries(FRAMING))('%s', async (label, text) => {
    const file = path.join(work, `framing-${label.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const istioctl = await istioctlKubeInject(file, config, { kubeconfig: istioKubeconfigPath(), nativeSidecars: true });
    const mesh = injectManifests(text, path.basename(file), injectionSettings({ values: config.values, meshConfig: config.meshConfig, nativeSidecars: true }));
    expect(istioctl.code).toBe(0);
    expect(lineDiff(istioctl.stdout, mesh.output) || 'identical').toBe('identical');
  });

  it('a wrongly typed field (fc.lun: "0") is refused by both', async () => {
    const text = withVolume('{name: disk, fc: {targetWWNs: [w], lun: "0"}}');
    const file = path.join(work, 'framing-fc-lun.yaml');
    writeFileSync(file, text);
    const result = await compare(file, text, true);
    expect({ istioctl: result.istioctlCode === 0 ? 'accepted' : 'refused', mesh: result.meshError ? 'refused' : 'accepted' }).toEqual({ istioctl: 'refused', mesh: 'refused' });
    expect(result.meshError).toMatch(/^framing-fc-lun\.yaml:1: .*fc\.lun: expected an integer, got string "0"$/);
  });
});

/** The deliberate refusals of docs/user-guide/injection.md: istioctl accepts each, mesh refuses with one line. */
const simple = deployment('      containers:\n      - {name: web, image: nginx}\n');
const DELIBERATE: Record<string, [string, RegExp]> = {
  'a duplicate key': [simple.replace('metadata: {name: web}', 'metadata: {name: web, name: other}'), /:3: duplicate key "name"$/],
  'a file over 4 MiB': [`${simple}---\n${`kind: ConfigMap\nmetadata: {name: c}\ndata: {k: '${'x'.repeat(1000)}'}\n---\n`.repeat(4300)}`, /: input is larger than 4 MiB$/],
  'more than 10,000 documents': [`${simple}---\n${'kind: ConfigMap\nmetadata: {name: c}\n---\n'.repeat(10_001)}`, /: too many documents \(more than 10000\)$/],
  'nesting deeper than 100 levels': [`${simple}---\nkind: ConfigMap\nmetadata: {name: c}\nextra: ${'['.repeat(150)}${']'.repeat(150)}\n`, /: too deeply nested \(more than 100 levels\)$/],
  'more than 100 aliases': [`${simple}---\nkind: ConfigMap\nmetadata: {name: c}\nx: &a [1]\ny: [${Array(101).fill('*a').join(',')}]\n`, /: too many aliases \(alias bomb\?\)$/],
  'pod annotations over 256 KiB': [simple.replace('labels: {app: web}', `labels: {app: web}\n      annotations: {big: '${'y'.repeat(300 * 1024)}'}`), /metadata\.annotations: Too long: must have at most 262144 bytes/],
};

describe('deliberate refusals: istioctl accepts, mesh refuses with one line naming the file', () => {
  it.each(Object.entries(DELIBERATE))('%s', async (label, [text, message]) => {
    const file = path.join(work, `deliberate-${label.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const result = await compare(file, text, true);
    expect({ istioctl: result.istioctlCode === 0 ? 'accepted' : 'refused', mesh: result.meshError ? 'refused' : 'accepted' }).toEqual({ istioctl: 'accepted', mesh: 'refused' });
    expect(result.meshError).toMatch(new RegExp(`^deliberate-[\\w-]+\\.yaml`));
    expect(result.meshError).toMatch(message);
    expect(result.meshError).not.toContain('\n');
  });
});

describe(`real istioctl vs mesh, ${CORPUS_WORKLOADS} generated workloads (seed ${CORPUS_SEED})`, () => {
  const files = generateCorpus(CORPUS_SEED, CORPUS_WORKLOADS, 250);
  let documents = 0;
  let identical = 0;
  let workloads = 0;

  it.each(files.map((f, i) => [f.name, f, i % 2 === 0]))('%s', async (_name, file, nativeSidecars) => {
    const target = path.join(work, file.name);
    writeFileSync(target, file.text);
    const result = await compare(target, file.text, nativeSidecars as boolean);
    expect({ istioctlExit: result.istioctlCode, meshError: result.meshError }).toEqual({ istioctlExit: 0, meshError: undefined });
    documents += result.documents;
    identical += result.identical;
    workloads += file.workloads;
    expect(result.firstDifference ?? 'identical').toBe('identical');
  });

  it('covered every generated workload', () => {
    expect(workloads).toBe(CORPUS_WORKLOADS);
    expect(identical).toBe(documents);
  });
});
