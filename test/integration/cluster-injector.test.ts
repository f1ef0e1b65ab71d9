// Injection follows the cluster's own Istio. With a cluster and no config files, `istioctl kube-inject` sends each
// workload's pod to the revision's injector webhook; mesh must give byte-identical output through the same path,
// for each of the two live istiods of the local cluster: Istio 1.31 (revision default) and Istio 1.30 (revision
// canary), each compared with its own istioctl. Nothing is normalised away: these are the real templates.
// Path 3, the revision's ConfigMaps rendered by mesh (what mesh falls back to when the webhook cannot be reached), is
// compared with istioctl rendering those same ConfigMaps, read from the live cluster, as --injectConfigFile,
// --valuesFile and --meshConfigFile: istioctl's own ConfigMap fallback renders them the same way locally (it cannot
// be asked directly: 1.31's fails on hello.yaml reading the values ConfigMap, "cannot unmarshal string into …
// failureThreshold of type int32"). A local render, unlike the webhook, sees the workload: it adds
// ISTIO_META_WORKLOAD_NAME and ISTIO_META_OWNER, so the webhook's output is not the oracle for this path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ISTIO_CANARY_RELEASE, ISTIO_RELEASE, type IstioRelease } from '../../src/cluster/versions';
import { resolveInjectionSource } from '../../src/injector/resolve';
import { kubeRequest } from '../../src/kube/request';
import { runCli } from '../support/run-cli';
import { INJECT_DIR, loadCases, readInject } from '../inject/cases';
import { generateCorpus } from '../support/workload-corpus';
import { lineDiff, outputDocuments, runIstioctl } from '../support/real-istio';
import { istioKubeConfig, istioKubeconfigPath } from './setup/cluster';

const CORPUS_SEED = 20261130;
const CORPUS_WORKLOADS = 2000;
const work = mkdtempSync(path.join(tmpdir(), 'mesh-cluster-injector-'));

const REVISIONS: { revision: string; release: IstioRelease }[] = [
  { revision: 'default', release: ISTIO_RELEASE },
  { revision: 'canary', release: ISTIO_CANARY_RELEASE },
];

// A webhook configuration no cluster has: mesh then renders the revision's ConfigMaps (path 3), as istioctl would.
const NO_WEBHOOK = 'mesh-test-no-such-webhook';

async function meshInject(text: string, file: string, revision: string, path3 = false) {
  const source = await resolveInjectionSource({ kc: istioKubeConfig(), revision, ...(path3 ? { webhookConfig: NO_WEBHOOK } : {}) });
  return source.inject(text, file);
}

async function compare(file: string, text: string, revision: string, release: IstioRelease) {
  const istioctl = await runIstioctl(['kube-inject', '-f', file, '--revision', revision], { KUBECONFIG: istioKubeconfigPath() }, release);
  let ours: Awaited<ReturnType<typeof meshInject>> | undefined;
  let meshError: string | undefined;
  try {
    ours = await meshInject(text, path.basename(file), revision);
  } catch (error) {
    meshError = (error as Error).message;
  }
  if (istioctl.code !== 0 || !ours) return { istioctlCode: istioctl.code, istioctlError: istioctl.stderr.slice(-300), meshError, documents: 0, identical: 0 };
  const theirs = outputDocuments(istioctl.stdout);
  const mine = outputDocuments(ours.output);
  let identical = 0;
  let firstDifference: string | undefined;
  for (let i = 0; i < Math.max(theirs.length, mine.length); i++) {
    if (theirs[i] === mine[i]) identical++;
    else firstDifference ??= `document ${i} of ${path.basename(file)}:\n${lineDiff(theirs[i] ?? '(missing)', mine[i] ?? '(missing)')}`;
  }
  return { istioctlCode: 0, meshError, documents: Math.max(theirs.length, mine.length), identical, firstDifference, kind: ours.origin.kind, output: ours.output };
}

const goldenInputs = [...new Set(loadCases().map((c) => c.input))].sort();

describe.each(REVISIONS)('the cluster\'s injector webhook, revision $revision (Istio $release): istioctl vs mesh', ({ revision, release }) => {
  it(`is what mesh injects with a cluster and no config files, and names it`, async () => {
    const { origin, output } = await meshInject(readInject('hello.yaml'), 'hello.yaml', revision);
    expect(origin.kind).toBe('webhook');
    expect(origin.description).toContain(`revision ${revision}`);
    expect(origin.description).toContain(revision === 'default' ? 'istio-sidecar-injector/' : 'istio-sidecar-injector-canary/');
    expect(output).toContain(`image: docker.io/istio/proxyv2:${release}.0`);
  });

  it.each(goldenInputs)('golden input %s', async (input) => {
    const result = await compare(path.join(INJECT_DIR, input), readInject(input), revision, release);
    // Both answer or both refuse; when both answer, every document is byte-identical.
    expect({ istioctl: result.istioctlCode === 0 ? 'answered' : 'refused', mesh: result.meshError ? 'refused' : 'answered' })
      .toEqual(result.istioctlCode === 0 ? { istioctl: 'answered', mesh: 'answered' } : { istioctl: 'refused', mesh: 'refused' });
    expect(result.firstDifference ?? 'identical').toBe('identical');
  });

  describe('path 3: the revision\'s ConfigMaps rendered by mesh, vs istioctl rendering the same ConfigMaps as files', () => {
    const files = { config: '', values: '', mesh: '' };
    beforeAll(async () => {
      const suffix = revision === 'default' ? '' : `-${revision}`;
      const read = async (name: string) =>
        (await kubeRequest<{ data: Record<string, string> }>(istioKubeConfig(), { method: 'GET', path: `/api/v1/namespaces/istio-system/configmaps/${name}` })).data;
      const injector = await read(`istio-sidecar-injector${suffix}`);
      const mesh = await read(`istio${suffix}`);
      for (const [key, text] of [['config', injector.config!], ['values', injector.values!], ['mesh', mesh.mesh!]] as const) {
        files[key] = path.join(work, `${revision}-configmap-${key}`);
        writeFileSync(files[key], text);
      }
    });
    // The one known difference (as in istio-templated-differential.test.ts): Istio 1.30 keeps a pod's
    // prometheus.istio.io/scrape-targets annotation, which 1.31's injector (and mesh's post-processing, which
    // follows 1.31 and later) consumes: a Go-code delta outside the templates.
    const postProcessingDeltas = new Set(release === ISTIO_CANARY_RELEASE ? ['hello-multiport-metrics.yaml'] : []);
    it.each(goldenInputs.filter((input) => !postProcessingDeltas.has(input)))('golden input %s', async (input) => {
      const file = path.join(INJECT_DIR, input);
      // istioctl's local render asks no node (classic unless ENABLE_NATIVE_SIDECARS=true), so it is told the layout
      // this revision's istiod chooses here: native ("auto", every kubelet 1.34; native-sidecars.test.ts compares
      // the layouts with the live webhook's).
      const istioctl = await runIstioctl(
        ['kube-inject', '-f', file, '--revision', revision, '--injectConfigFile', files.config, '--valuesFile', files.values, '--meshConfigFile', files.mesh],
        { KUBECONFIG: istioKubeconfigPath(), ENABLE_NATIVE_SIDECARS: 'true' }, release,
      );
      // The user's door: mesh kube-inject with the cluster and no files, its webhook out of reach, and the default
      // --native-sidecars auto, which follows the revision's istiod.
      const mesh = await runCli(['kube-inject', '-f', file, '--revision', revision, '--webhookConfig', NO_WEBHOOK, '--kubeconfig', istioKubeconfigPath()], {
        env: { HOME: work }, cwd: work,
      });
      expect({ istioctl: istioctl.code === 0 ? 'answered' : 'refused', mesh: mesh.code === 0 ? 'answered' : 'refused' })
        .toEqual(istioctl.code === 0 ? { istioctl: 'answered', mesh: 'answered' } : { istioctl: 'refused', mesh: 'refused' });
      if (mesh.code !== 0) return;
      expect(mesh.stderr).toMatch(/^mesh kube-inject: injected by the cluster's injector ConfigMaps /);
      expect(lineDiff(istioctl.stdout, mesh.stdout) || 'identical').toBe('identical');
    });
  });

  describe(`${CORPUS_WORKLOADS} generated workloads (seed ${CORPUS_SEED})`, () => {
    const files = generateCorpus(CORPUS_SEED, CORPUS_WORKLOADS, 250);
    let documents = 0;
    let identical = 0;
    let workloads = 0;
    it.each(files.map((f) => [f.name, f]))('%s', async (_name, file) => {
      const target = path.join(work, `${revision}-${file.name}`);
      writeFileSync(target, file.text);
      const result = await compare(target, file.text, revision, release);
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
});
