// Injection follows the cluster's own Istio. With a cluster and no config files, `istioctl kube-inject` sends each
// workload's pod to the revision's injector webhook; mesh must give byte-identical output through the same path,
// for each of the two live istiods of the local cluster: Istio 1.31 (revision default) and Istio 1.30 (revision
// canary), each compared with its own istioctl. Nothing is normalised away: these are the real templates.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ISTIO_CANARY_RELEASE, ISTIO_RELEASE, type IstioRelease } from '../../src/cluster/versions';
import { resolveInjectionSource } from '../../src/injector/resolve';
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

async function meshInject(text: string, file: string, revision: string) {
  const source = await resolveInjectionSource({ kc: istioKubeConfig(), revision });
  const result = await source.inject(text, file);
  return { ...result, source };
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
  return { istioctlCode: 0, meshError, documents: Math.max(theirs.length, mine.length), identical, firstDifference, kind: ours.source.kind, output: ours.output };
}

const goldenInputs = [...new Set(loadCases().map((c) => c.input))].sort();

describe.each(REVISIONS)('the cluster\'s injector webhook, revision $revision (Istio $release): istioctl vs mesh', ({ revision, release }) => {
  it(`is what mesh injects with a cluster and no config files, and names it`, async () => {
    const { source, output } = await meshInject(readInject('hello.yaml'), 'hello.yaml', revision);
    expect(source.kind).toBe('webhook');
    expect(source.description).toContain(`revision ${revision}`);
    expect(source.description).toContain(revision === 'default' ? 'istio-sidecar-injector/' : 'istio-sidecar-injector-canary/');
    expect(output).toContain(`image: docker.io/istio/proxyv2:${release}.0`);
  });

  it.each(goldenInputs)('golden input %s', async (input) => {
    const result = await compare(path.join(INJECT_DIR, input), readInject(input), revision, release);
    // Both answer or both refuse; when both answer, every document is byte-identical.
    expect({ istioctl: result.istioctlCode === 0 ? 'answered' : 'refused', mesh: result.meshError ? 'refused' : 'answered' })
      .toEqual(result.istioctlCode === 0 ? { istioctl: 'answered', mesh: 'answered' } : { istioctl: 'refused', mesh: 'refused' });
    expect(result.firstDifference ?? 'identical').toBe('identical');
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
