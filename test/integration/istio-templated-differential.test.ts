// Differential conformance of the templated path (mesh kube-inject --injectConfigFile): mesh renders the
// injector config's own templates with its Go template renderer; real istioctl renders them with Go. Same
// files given to both, compared byte for byte with no version normalisation at all: the goldens' inputs in
// both layouts, the 5,000-workload corpus, and the gateway / grpc-agent / grpc-simple templates selected
// by the inject.istio.io/templates annotation.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { injectManifests, injectionSettings } from '../../src/inject';
import { parseInjectorConfig, type InjectorTemplates } from '../../src/inject/injector-config';
import { INJECT_DIR, loadCases, readInject } from '../inject/cases';
import { generateCorpus } from '../support/workload-corpus';
import { injectorConfig, istioctlKubeInject, outputDocuments, type InjectorConfig } from '../support/real-istio';
import { istioKubeconfigPath } from './setup/cluster';

let config: InjectorConfig;
let injector: InjectorTemplates;
const work = mkdtempSync(path.join(tmpdir(), 'mesh-templated-differential-'));

beforeAll(() => {
  config = injectorConfig();
  injector = parseInjectorConfig(require('node:fs').readFileSync(config.injectConfigFile, 'utf8'), config.injectConfigFile);
});

async function compare(file: string, text: string, nativeSidecars: boolean): Promise<{ istioctlCode: number; meshError?: string; documents: number; firstDifference?: string }> {
  const istioctl = await istioctlKubeInject(file, config, { kubeconfig: istioKubeconfigPath(), nativeSidecars });
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
      const o = d.toJS() as Record<string, any> | null;
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
