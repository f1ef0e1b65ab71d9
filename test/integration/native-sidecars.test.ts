// Native or classic sidecar, as the revision's istiod decides it. When the webhook cannot be reached mesh renders the
// revision's ConfigMaps itself (path 3), for every door: `mesh kube-inject` (`--native-sidecars auto`, the default) and
// the Slack/console doors, which ask the resolver with no layout of their own. The layout it renders — istio-proxy
// among the init containers with restartPolicy Always (native) or among the containers (classic) — must be what the
// live istiod of that revision injects through its webhook for the same pod: Istio 1.31 (default) and 1.30 (canary),
// both "auto" on nodes whose kubelet is 1.34, and a 1.31 revision whose chart values set pilot.env
// ENABLE_NATIVE_SIDECARS=false (as the 1.25/1.26 compatibility profiles do), which injects classic sidecars.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { addIstioRevision, LOCAL_NODE_NAMES } from '../../src/cluster/cluster';
import { resolveInjectionSource } from '../../src/injector/resolve';
import { createObject, deleteObject } from '../../src/kube/objects';
import type { JsonObject } from '../../src/json-object';
import { readInject } from '../inject/cases';
import { renderManifest } from '../support/real-istio';
import { runCli } from '../support/run-cli';
import { istioClusterEnv, istioKubeConfig, istioKubeconfigPath } from './setup/cluster';

const CLASSIC = 'classic';
// A webhook configuration no cluster has: the revision's ConfigMaps are rendered instead (path 3).
const NO_WEBHOOK = 'mesh-test-no-such-webhook';
const work = mkdtempSync(path.join(tmpdir(), 'mesh-native-sidecars-'));

const bound = (node: string) => readInject('pod.yaml').replace('spec:\n', `spec:\n  nodeName: ${node}\n`);
const INPUTS: [string, string][] = [
  ['hello.yaml (a Deployment)', readInject('hello.yaml')],
  [`a pod bound to node ${LOCAL_NODE_NAMES[0]}`, bound(LOCAL_NODE_NAMES[0]!)],
  ['a pod bound to a node that does not exist', bound('no-such-node')],
  ['native-sidecar-opt-in.yaml (annotation true)', readInject('native-sidecar-opt-in.yaml')],
  ['native-sidecar-opt-out.yaml (annotation false)', readInject('native-sidecar-opt-out.yaml')],
];

/** Each workload's sidecar layout, in document order. */
function layouts(output: string): string[] {
  const specs = parseAllDocuments(output).map((d) => d.toJS() as JsonObject | null).map((doc) => (doc?.kind === 'Pod' ? doc.spec : doc?.spec?.template?.spec));
  return specs.filter(Boolean).map((spec: JsonObject) => {
    const init = (spec.initContainers ?? []).find((c: JsonObject) => c.name === 'istio-proxy');
    if (init) return init.restartPolicy === 'Always' ? 'native' : 'istio-proxy as a plain init container';
    return (spec.containers ?? []).some((c: JsonObject) => c.name === 'istio-proxy') ? 'classic' : 'not injected';
  });
}

async function inject(text: string, revision: string, path3: boolean) {
  // The doors' call: no layout given, so the resolver decides it.
  const source = await resolveInjectionSource({ kc: istioKubeConfig(), revision, ...(path3 ? { webhookConfig: NO_WEBHOOK } : {}) });
  const result = await source.inject(text, 'input.yaml');
  expect(result.origin.kind).toBe(path3 ? 'configmap' : 'webhook');
  return layouts(result.output);
}

beforeAll(async () => {
  await addIstioRevision(CLASSIC, await renderManifest([`revision=${CLASSIC}`, 'values.pilot.env.ENABLE_NATIVE_SIDECARS=false']), istioClusterEnv());
}, 240_000);

describe.each([
  { revision: 'default', expected: 'native' },
  { revision: 'canary', expected: 'native' },
  { revision: CLASSIC, expected: 'classic' },
])('revision $revision: path 3 lays the sidecar out as the live webhook does', ({ revision, expected }) => {
  it.each(INPUTS)('%s', async (_label, text) => {
    const webhook = await inject(text, revision, false);
    expect(await inject(text, revision, true)).toEqual(webhook);
  });

  it(`the live webhook's own layout for an unannotated workload is ${expected}`, async () => {
    expect(await inject(readInject('hello.yaml'), revision, false)).toEqual([expected]);
  });

  it('mesh kube-inject with its default --native-sidecars auto renders the same layout from the ConfigMaps', async () => {
    const file = path.join(work, `${revision}-hello.yaml`);
    writeFileSync(file, readInject('hello.yaml'));
    const run = await runCli(['kube-inject', '-f', file, '--revision', revision, '--webhookConfig', NO_WEBHOOK, '--kubeconfig', istioKubeconfigPath()], {
      env: { HOME: work }, cwd: work,
    });
    expect(run.stderr).toMatch(/^mesh kube-inject: injected by the cluster's injector ConfigMaps /);
    expect(layouts(run.stdout)).toEqual([expected]);
  });
});

// On a real cluster the revision's istiod is a Deployment, and its env is where ENABLE_NATIVE_SIDECARS is set (by the
// chart's pilot.env or by hand). The local cluster runs istiod as a process and applies no Deployment, so the suite
// creates one (no replicas) for the canary revision: mesh must read its env and its image's release, and ignore it
// again once it is gone.
describe('the revision\'s istiod Deployment decides over the values and the release default', () => {
  const deployment = (env: { name: string; value: string }[], tag: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod-canary', namespace: 'istio-system', labels: { app: 'istiod', 'istio.io/rev': 'canary' } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'istiod', 'istio.io/rev': 'canary' } },
      template: {
        metadata: { labels: { app: 'istiod', 'istio.io/rev': 'canary' } },
        spec: { containers: [{ name: 'discovery', image: `docker.io/istio/pilot:${tag}`, env }] },
      },
    },
  });
  const remove = () => deleteObject(istioKubeConfig(), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod-canary', namespace: 'istio-system' } });
  afterEach(remove);

  it.each([
    { what: 'ENABLE_NATIVE_SIDECARS=false in its env', env: [{ name: 'ENABLE_NATIVE_SIDECARS', value: 'false' }], tag: '1.30.0', expected: 'classic' },
    { what: 'a 1.26 image with the variable unset (off before 1.27)', env: [], tag: '1.26.3', expected: 'classic' },
    { what: 'ENABLE_NATIVE_SIDECARS=true on a 1.26 image', env: [{ name: 'ENABLE_NATIVE_SIDECARS', value: 'true' }], tag: '1.26.3', expected: 'native' },
  ])('$what: path 3 renders $expected', async ({ env, tag, expected }) => {
    await createObject(istioKubeConfig(), deployment(env, tag));
    expect(await inject(readInject('hello.yaml'), 'canary', true)).toEqual([expected]);
    await remove();
    expect(await inject(readInject('hello.yaml'), 'canary', true)).toEqual(['native']);
  });
});
