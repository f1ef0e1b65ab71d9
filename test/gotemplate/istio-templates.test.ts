// Every injection template of the built Istio charts, rendered by mesh's Go template renderer and by Go
// itself (scripts/istio/render-oracle: text/template + Sprig + Istio's InjectionFuncmap and
// SidecarTemplateData), on pods from the generated corpus and the goldens' inputs: byte-identical output,
// or the same error.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { injectManifests } from '../../src/inject';
import { parseInjectorConfig } from '../../src/inject/injector-config';
import type { InjectorTemplates } from '../../src/inject/settings';
import { sidecarTemplateData, type TemplateDataInput } from '../../src/inject/template-data';
import { parseOverlayYaml } from '../../src/inject/overlay-yaml';
import type { GoTemplate } from '../../src/gotemplate';
import { ISTIO_CANARY_RELEASE, ISTIO_RELEASE, istioManifestPath, type IstioRelease } from '../../src/cluster/versions';
import { INJECT_DIR, loadCases, readInject } from '../inject/cases';
import { generateCorpus } from '../support/workload-corpus';
import { injectorConfig, meshSettings } from '../support/real-istio';
import { renderWithGo } from '../support/render-oracle';

/** Runs mesh's engine with the config and records each pod's SidecarTemplateData input. */
function captureInputs(injector: InjectorTemplates, files: string[], values: object, meshConfig: object): TemplateDataInput[] {
  const inputs: TemplateDataInput[] = [];
  const spy: InjectorTemplates = {
    ...injector,
    templates: new Map([['sidecar', { execute: (data: { input: TemplateDataInput }) => (inputs.push(data.input), injector.templates.get('sidecar')!.execute(data)) } as unknown as GoTemplate]]),
  };
  for (const [i, text] of files.entries()) {
    const settings = { ...meshSettings({ values, meshConfig } as never, i % 2 === 0), injector: spy };
    try {
      injectManifests(text, `input-${i}.yaml`, settings);
    } catch (e) {
      // refused inputs have no template data
      if (process.env.DEBUG_ORACLE) console.log((e as Error).message.slice(0, 500));
    }
  }
  return inputs;
}

function oracleRequest(text: string, input: TemplateDataInput, values: object, meshConfig: object): object {
  return {
    kind: 'inject', text, pod: { metadata: input.metadata, spec: input.spec }, proxyConfig: input.proxyConfig,
    mesh: JSON.stringify(meshConfig), values, revision: input.revision, nativeSidecars: input.nativeSidecars,
    proxyImage: input.proxyImage, proxyInitImage: input.proxyInitImage, proxyUID: input.proxyUID, proxyGID: input.proxyGID,
    typeMeta: input.typeMeta, deployMeta: input.deployMeta, compliancePolicy: input.compliancePolicy,
  };
}

function renderMesh(t: GoTemplate, input: TemplateDataInput): { out?: string; error?: string } {
  try {
    return { out: t.execute(sidecarTemplateData(input)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const POD_TEMPLATES = ['sidecar', 'gateway', 'grpc-agent', 'grpc-simple'];

function templatesOf(manifest: string): Record<string, string> {
  const config = injectorConfig(manifest);
  return parse(readFileSync(config.injectConfigFile, 'utf8')).templates;
}

function checkRelease(release: IstioRelease): void {
  const manifest = readFileSync(istioManifestPath(process.env, release), 'utf8');
  const config = injectorConfig(manifest);
  const injectText = readFileSync(config.injectConfigFile, 'utf8');
  const injector = parseInjectorConfig(injectText, `istio ${release} injector config`);
  const goldenInputs = loadCases()
    .map((c) => c.input)
    .filter((f, i, a) => a.indexOf(f) === i && existsSync(readInjectPath(f)))
    .map((f) => readInject(f));
  const corpus = generateCorpus(20261129, 300, 50).map((f) => f.text);
  const inputs = captureInputs(injector, [...goldenInputs, ...corpus], config.values, config.meshConfig);
  expect(inputs.length).toBeGreaterThan(300);
  const templates = templatesOf(manifest);
  const names = Object.keys(templates);
  expect(names).toEqual(expect.arrayContaining(['sidecar', 'gateway', 'grpc-agent', 'grpc-simple']));
  for (const name of names) {
    const requests = inputs.map((input) => oracleRequest(templates[name], input, config.values, config.meshConfig));
    const expected = renderWithGo(requests);
    const tmpl = injector.templates.get(name)!;
    const mismatches: string[] = [];
    inputs.forEach((input, i) => {
      const got = renderMesh(tmpl, input);
      const want = expected[i];
      if (got.out !== want.out || (want.error !== undefined) !== (got.error !== undefined)) {
        if (mismatches.length < 3) mismatches.push(`#${i}: go=${JSON.stringify(want).slice(0, 2000)}\nmesh=${JSON.stringify(got).slice(0, 2000)}`);
        else mismatches.push(`#${i}`);
      }
    });
    expect({ release, template: name, mismatches: mismatches.slice(0, 4), count: mismatches.length }).toEqual({ release, template: name, mismatches: [], count: 0 });
    // The pod templates render for every pod (the gateway-deployment ones fail on both sides alike).
    const rendered = expected.filter((r) => r.out !== undefined).length;
    // The fast reader of rendered YAML agrees with the full YAML 1.1 parser on every output.
    for (const r of expected) if (r.out !== undefined) expect(parseOverlayYaml(r.out)).toEqual(parse(r.out, { version: '1.1', uniqueKeys: false }));
    if (POD_TEMPLATES.includes(name)) expect({ name, rendered }).toEqual({ name, rendered: inputs.length });
  }
}

function readInjectPath(f: string): string {
  return path.join(INJECT_DIR, f);
}

test(`every injection template of Istio ${ISTIO_RELEASE} renders as Go renders it`, () => {
  checkRelease(ISTIO_RELEASE);
});

test(`every injection template of Istio ${ISTIO_CANARY_RELEASE} renders as Go renders it`, () => {
  // The canary release is built by scripts/istio/build.sh 1.30 (as CI does before the tests).
  if (!existsSync(istioManifestPath(process.env, ISTIO_CANARY_RELEASE))) {
    throw new Error(`Istio ${ISTIO_CANARY_RELEASE} is not built (${istioManifestPath(process.env, ISTIO_CANARY_RELEASE)}); run scripts/istio/build.sh ${ISTIO_CANARY_RELEASE}`);
  }
  checkRelease(ISTIO_CANARY_RELEASE);
});
