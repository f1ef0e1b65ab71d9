// Differential conformance of the templated path (mesh kube-inject --injectConfigFile): mesh renders the
// injector config's own templates with its Go template renderer; real istioctl renders them with Go. Same
// files given to both, compared byte for byte with no version normalisation at all: the goldens' inputs in
// both layouts, the 5,000-workload corpus, and the gateway / grpc-agent / grpc-simple templates selected
// by the inject.istio.io/templates annotation.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { injectManifests, injectionSettings } from '../../src/inject';
import { parseInjectorConfig } from '../../src/inject/injector-config';
import type { InjectorTemplates } from '../../src/inject/settings';
import { INJECT_DIR, loadCases, readInject } from '../inject/cases';
import { generateCorpus } from '../support/workload-corpus';
import { injectorConfig, istioctlKubeInject, outputDocuments, type InjectorConfig } from '../support/real-istio';
import { istioKubeconfigPath } from './setup/cluster';
import { ISTIO_CANARY_RELEASE, istioManifestPath, type IstioRelease } from '../../src/cluster/versions';
import type { JsonObject } from '../../src/json-object';

let config: InjectorConfig;
let injector: InjectorTemplates;
let canary: { config: InjectorConfig; injector: InjectorTemplates } | undefined;
const work = mkdtempSync(path.join(tmpdir(), 'mesh-templated-differential-'));

beforeAll(() => {
  config = injectorConfig();
  injector = parseInjectorConfig(readFileSync(config.injectConfigFile, 'utf8'), config.injectConfigFile);
});

/** Istio 1.30 (the canary release, scripts/istio/build.sh 1.30): its own config, its own istioctl. */
function canaryRelease(): { config: InjectorConfig; injector: InjectorTemplates } {
  if (!canary) {
    const manifest = istioManifestPath(process.env, ISTIO_CANARY_RELEASE);
    if (!existsSync(manifest)) throw new Error(`Istio ${ISTIO_CANARY_RELEASE} is not built (${manifest}); run scripts/istio/build.sh ${ISTIO_CANARY_RELEASE}`);
    const c = injectorConfig(readFileSync(manifest, 'utf8'));
    canary = { config: c, injector: parseInjectorConfig(readFileSync(c.injectConfigFile, 'utf8'), c.injectConfigFile) };
  }
  return canary;
}

async function compare(
  file: string,
  text: string,
  nativeSidecars: boolean,
  release?: IstioRelease,
): Promise<{ istioctlCode: number; meshError?: string; documents: number; firstDifference?: string }> {
  const { config, injector } = release === ISTIO_CANARY_RELEASE ? canaryRelease() : { config: configOf(), injector: injectorOf() };
  const istioctl = await istioctlKubeInject(file, config, { kubeconfig: istioKubeconfigPath(), nativeSidecars, release });
  let meshOutput: string | undefined;
  let meshError: string | undefined;
  try {
    const settings = injectionSettings({ values: config.values, meshConfig: config.meshConfig, nativeSidecars, injector });
    meshOutput = injectManifests(text, path.basename(file), settings).output;
  } catch (e) {
    meshError = (e as Error).message;
  }
  if (istioctl.code !== 0 || meshOutput === undefined) return { istioctlCode: istioctl.code, meshError, documents: 0 };
  const theirs = outputDocuments(istioctl.stdout);
  const ours = outputDocuments(meshOutput);
  let firstDifference: string | undefined;
  for (let i = 0; i < Math.max(theirs.length, ours.length) && !firstDifference; i++) {
    if (theirs[i] !== ours[i]) {
      const a = (theirs[i] ?? '').split('\n');
      const b = (ours[i] ?? '').split('\n');
      const lines: string[] = [];
      for (let j = 0; j < Math.max(a.length, b.length) && lines.length < 10; j++) if (a[j] !== b[j]) lines.push(`line ${j + 1}: - ${a[j]}`, `line ${j + 1}: + ${b[j]}`);
      firstDifference = `document ${i} of ${path.basename(file)}:\n${lines.join('\n')}`;
    }
  }
  return { istioctlCode: 0, documents: theirs.length, firstDifference };
}

const configOf = () => config;
const injectorOf = () => injector;

function expectSame(result: Awaited<ReturnType<typeof compare>>): void {
  expect({ istioctlExit: result.istioctlCode === 0 ? 0 : 1, meshExit: result.meshError ? 1 : 0 }).toEqual({
    istioctlExit: result.istioctlCode === 0 ? 0 : 1,
    meshExit: result.istioctlCode === 0 ? 0 : 1,
  });
  expect(result.firstDifference ?? 'identical').toBe('identical');
}

describe('templated path: real istioctl vs mesh, golden inputs (both layouts)', () => {
  const inputs = [...new Set(loadCases().map((c) => c.input))];
  it.each(inputs.flatMap((f) => [[f, true], [f, false]] as const))('%s native=%s', async (file, native) => {
    expectSame(await compare(path.join(INJECT_DIR, file), readInject(file), native));
  });
});

describe('templated path: real istioctl vs mesh, 5,000-workload corpus', () => {
  const files = generateCorpus(20261129, 5000);
  it.each(files.map((f, i) => [f.name, f, i % 2 === 0] as const))('%s', async (_name, f, native) => {
    const file = path.join(work, f.name);
    writeFileSync(file, f.text);
    expectSame(await compare(file, f.text, native));
  });
});

/** Corpus pods annotated to select another chart template. */
function withTemplate(text: string, template: string): string {
  return parseAllDocuments(text)
    .map((d) => {
      const o = d.toJS() as JsonObject | null;
      const meta = o?.kind === 'Pod' ? o.metadata : o?.spec?.template?.metadata ?? o?.spec?.jobTemplate?.spec?.template?.metadata;
      if (meta) meta.annotations = { ...(meta.annotations ?? {}), 'inject.istio.io/templates': template };
      return JSON.stringify(o);
    })
    .join('\n---\n');
}

describe('templated path: chart templates selected by annotation', () => {
  const files = generateCorpus(77, 300, 100);
  const templates = ['gateway', 'grpc-agent', 'grpc-simple', 'sidecar,grpc-simple'];
  it.each(templates.flatMap((t) => files.map((f, i) => [t, f.name, f, i % 2 === 0] as const)))('%s on %s', async (t, name, f, native) => {
    const text = withTemplate(f.text, t);
    const file = path.join(work, `${t.replace(',', '+')}-${name}`);
    writeFileSync(file, text);
    expectSame(await compare(file, text, native));
  });
});

describe(`templated path, Istio ${ISTIO_CANARY_RELEASE}: its istioctl and its config vs mesh`, () => {
  // Istio 1.30 keeps a pod's prometheus.istio.io/scrape-targets annotation, which 1.31's injector (and mesh's
  // post-processing, which follows 1.31 and later) consumes: a Go-code delta outside the templates.
  const POST_PROCESSING_DELTAS = new Set(['hello-multiport-metrics.yaml']);
  const inputs = [...new Set(loadCases().map((c) => c.input))].filter((f) => !POST_PROCESSING_DELTAS.has(f));
  it.each(inputs.map((f, i) => [f, i % 2 === 0] as const))('golden %s native=%s', async (file, native) => {
    expectSame(await compare(path.join(INJECT_DIR, file), readInject(file), native, ISTIO_CANARY_RELEASE));
  });
  const files = generateCorpus(20261130, 1000, 250);
  it.each(files.map((f, i) => [f.name, f, i % 2 === 0] as const))('corpus %s', async (_name, f, native) => {
    const file = path.join(work, `1.30-${f.name}`);
    writeFileSync(file, f.text);
    expectSame(await compare(file, f.text, native, ISTIO_CANARY_RELEASE));
  });
  it.each(['gateway', 'grpc-agent', 'grpc-simple'])('%s selected by annotation', async (t) => {
    const f = generateCorpus(78, 100, 100)[0];
    const text = withTemplate(f.text, t);
    const file = path.join(work, `1.30-${t}.yaml`);
    writeFileSync(file, text);
    expectSame(await compare(file, text, true, ISTIO_CANARY_RELEASE));
  });
});
