// Manifests that others wrote, injected by real istioctl and by mesh, compared byte for byte: the apps of
// ../shared/apps (Bookinfo, Online Boutique, httpbin, curl, helloworld as upstream ships them) and every file of
// Istio's own samples/ that holds a workload (each release's samples, from its module in the module cache), in
// the three modes:
//   built-in            mesh's built-in templates (the pinned 1.31 chart) vs istioctl 1.31 given 1.31's injector
//                       config as files — the same values and mesh config to both;
//   --injectConfigFile  mesh rendering a release's own injector config vs that release's istioctl (1.31 and 1.30);
//   cluster's injector  mesh and that release's istioctl both asking the live istiod of revision default (1.31)
//                       and canary (1.30), with no config files.
// Whole outputs are compared, so the documents' framing (leading separators, comments, empty documents) counts.
// Where istioctl refuses a file, mesh must refuse it too.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { injectManifests, injectionSettings } from '../../src/inject';
import { parseInjectorConfig } from '../../src/inject/injector-config';
import { resolveInjectionSource } from '../../src/injector/resolve';
import {
  ISTIO_CANARY_MODULE_VERSION, ISTIO_CANARY_RELEASE, ISTIO_MODULE_VERSION, ISTIO_RELEASE, istioManifestPath, meshCacheRoot, type IstioRelease,
} from '../../src/cluster/versions';
import { injectorConfig, istioctlKubeInject, lineDiff, runIstioctl, type InjectorConfig } from '../support/real-istio';
import { istioKubeConfig, istioKubeconfigPath } from './setup/cluster';

const SHARED_APPS = path.resolve(__dirname, '../../../shared/apps');
const WORKLOAD = /^kind: *(Deployment|DaemonSet|StatefulSet|ReplicaSet|ReplicationController|Job|CronJob|Pod|DeploymentConfig|List) *$/m;
const RELEASES: { release: IstioRelease; revision: string; module: string }[] = [
  { release: ISTIO_RELEASE, revision: 'default', module: ISTIO_MODULE_VERSION },
  { release: ISTIO_CANARY_RELEASE, revision: 'canary', module: ISTIO_CANARY_MODULE_VERSION },
];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** ../shared/apps, then the release's samples that hold a workload; fails (not skips) when they are missing. */
function inputs(module: string): { label: string; file: string }[] {
  const samples = path.join(process.env.GOMODCACHE ?? path.join(meshCacheRoot(), 'go/mod'), `istio.io/istio@${module}`, 'samples');
  if (!existsSync(samples)) throw new Error(`Istio's samples are not in the module cache (${samples}); run scripts/istio/build.sh`);
  return [
    ...yamlFiles(SHARED_APPS).map((file) => ({ label: `apps/${path.relative(SHARED_APPS, file)}`, file })),
    ...yamlFiles(samples).filter((file) => WORKLOAD.test(readFileSync(file, 'utf8'))).map((file) => ({ label: `samples/${path.relative(samples, file)}`, file })),
  ];
}

interface Outcome {
  istioctl: { code: number; stdout: string; stderr: string };
  mesh: { output?: string; error?: string };
}

/** Both answer and are byte-identical, or both refuse (mesh with one line naming the file). */
function expectSameOutcome({ istioctl, mesh }: Outcome): void {
  expect({ istioctl: istioctl.code === 0 ? 'answered' : 'refused', mesh: mesh.error === undefined ? 'answered' : 'refused' }).toEqual(
    istioctl.code === 0 ? { istioctl: 'answered', mesh: 'answered' } : { istioctl: 'refused', mesh: 'refused' },
  );
  if (istioctl.code === 0) expect(lineDiff(istioctl.stdout, mesh.output!) || 'identical').toBe('identical');
  else expect(mesh.error).not.toContain('\n');
}

function meshLocal(file: string, config: InjectorConfig, mode: 'builtin' | 'config'): Outcome['mesh'] {
  try {
    const injector = mode === 'config' ? parseInjectorConfig(readFileSync(config.injectConfigFile, 'utf8'), config.injectConfigFile) : undefined;
    const settings = injectionSettings({ values: config.values, meshConfig: config.meshConfig, nativeSidecars: true, ...(injector ? { injector } : {}) });
    return { output: injectManifests(readFileSync(file, 'utf8'), path.basename(file), settings).output };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const configs = new Map<IstioRelease, InjectorConfig>();
function configOf(release: IstioRelease): InjectorConfig {
  let c = configs.get(release);
  if (!c) {
    const manifest = istioManifestPath(process.env, release);
    if (!existsSync(manifest)) throw new Error(`Istio ${release} is not built (${manifest}); run scripts/istio/build.sh ${release}`);
    c = injectorConfig(readFileSync(manifest, 'utf8'));
    configs.set(release, c);
  }
  return c;
}

describe('built-in templates (Istio 1.31 chart) vs istioctl 1.31 with the same config', () => {
  it.each(inputs(ISTIO_MODULE_VERSION).map((i) => [i.label, i.file]))('%s', async (_label, file) => {
    const config = configOf(ISTIO_RELEASE);
    const istioctl = await istioctlKubeInject(file, config, { kubeconfig: istioKubeconfigPath(), nativeSidecars: true });
    expectSameOutcome({ istioctl, mesh: meshLocal(file, config, 'builtin') });
  });
});

describe.each(RELEASES)('--injectConfigFile with Istio $release\'s own config vs its istioctl', ({ release, module }) => {
  it.each(inputs(module).map((i) => [i.label, i.file]))('%s', async (_label, file) => {
    const config = configOf(release);
    const istioctl = await istioctlKubeInject(file, config, { kubeconfig: istioKubeconfigPath(), nativeSidecars: true, release });
    expectSameOutcome({ istioctl, mesh: meshLocal(file, config, 'config') });
  });
});

describe.each(RELEASES)('the cluster\'s injector, revision $revision (Istio $release): istioctl vs mesh', ({ release, revision, module }) => {
  it.each(inputs(module).map((i) => [i.label, i.file]))('%s', async (_label, file) => {
    const istioctl = await runIstioctl(['kube-inject', '-f', file, '--revision', revision], { KUBECONFIG: istioKubeconfigPath() }, release);
    let mesh: Outcome['mesh'];
    try {
      const source = await resolveInjectionSource({ kc: istioKubeConfig(), revision });
      const result = await source.inject(readFileSync(file, 'utf8'), path.basename(file));
      expect(result.origin.kind).toBe('webhook');
      mesh = { output: result.output };
    } catch (e) {
      mesh = { error: (e as Error).message };
    }
    expectSameOutcome({ istioctl, mesh });
  });
});
