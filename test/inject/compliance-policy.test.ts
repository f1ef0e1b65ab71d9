// COMPLIANCE_POLICY, Istio's FIPS switch: istioctl and istiod read it from their environment at start, and the
// chart's template then gives the proxy COMPLIANCE_POLICY (and GODEBUG=fips140=only for fips-140-3). mesh reads it
// once at each door (src/config.ts) and passes it in the injection settings: the engine never reads the environment.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { injectManifests, injectionSettings } from '../../src/inject';
import { engineInjector } from '../../src/webhook/engine';
import { runCli } from '../support/run-cli';
import { INJECT_DIR } from './cases';

const hello = path.join(INJECT_DIR, 'hello.yaml');
const work = mkdtempSync(path.join(tmpdir(), 'mesh-compliance-'));

type Env = { name: string; value?: string }[];
type PodSpec = { containers: { name: string; env?: Env }[]; initContainers?: { name: string; env?: Env }[] };
// The proxy is a container, or an init container with native sidecars.
const proxyOf = (spec: PodSpec): Env => [...spec.containers, ...(spec.initContainers ?? [])].find((c) => c.name === 'istio-proxy')!.env ?? [];
const proxyEnv = (yaml: string): Env => proxyOf((parse(yaml.split('\n---\n')[0]!) as { spec: { template: { spec: PodSpec } } }).spec.template.spec);
const complianceOf = (env: Env) => env.filter((e) => e.name === 'COMPLIANCE_POLICY' || e.name === 'GODEBUG');

describe('COMPLIANCE_POLICY', () => {
  it('is rendered from the injection settings, not from the environment of the process', () => {
    const previous = process.env.COMPLIANCE_POLICY;
    process.env.COMPLIANCE_POLICY = 'fips-140-2';
    try {
      expect(complianceOf(proxyEnv(injectManifests(readFileSync(hello, 'utf8'), 'hello.yaml', injectionSettings()).output))).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.COMPLIANCE_POLICY;
      else process.env.COMPLIANCE_POLICY = previous;
    }
    const fips = injectManifests(readFileSync(hello, 'utf8'), 'hello.yaml', injectionSettings({ compliancePolicy: 'fips-140-3' })).output;
    expect(complianceOf(proxyEnv(fips))).toEqual([{ name: 'COMPLIANCE_POLICY', value: 'fips-140-3' }, { name: 'GODEBUG', value: 'fips140=only' }]);
  });

  it('mesh kube-inject honours it from its environment, as istioctl kube-inject does', async () => {
    const run = (env: NodeJS.ProcessEnv) => runCli(['kube-inject', '-f', hello], { env: { HOME: work, PATH: process.env.PATH, ...env }, cwd: work });
    const fips = await run({ COMPLIANCE_POLICY: 'fips-140-2' });
    expect(fips.code).toBe(0);
    expect(complianceOf(proxyEnv(fips.stdout))).toEqual([{ name: 'COMPLIANCE_POLICY', value: 'fips-140-2' }]);
    expect(complianceOf(proxyEnv((await run({})).stdout))).toEqual([]);
  });

  it("mesh's injector webhook renders the policy it was started with, as istiod does", () => {
    const injector = engineInjector({ cwd: work, compliancePolicy: 'fips-140-2' });
    const pod = { metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    const injected = injector.inject(pod, { kind: 'Pod', name: 'web', namespace: 'shop', apiVersion: 'v1' }).pod as { spec: PodSpec };
    expect(complianceOf(proxyOf(injected.spec))).toEqual([{ name: 'COMPLIANCE_POLICY', value: 'fips-140-2' }]);
  });
});
