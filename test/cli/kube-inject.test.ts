// `mesh kube-inject` end to end: in-process through main(), bad input, and once through the built bin.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli';
import { CONFORMANCE, INJECT_DIR, readInject } from '../inject/cases';
import { withoutVersionDeltas } from '../support/real-istio';

const ROOT = path.resolve(__dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'mesh-inject-'));

function cli(args: string[], stdin = '') {
  // No kubeconfig: auto means classic, as offline istioctl.
  return runCli(['kube-inject', ...args], { env: { HOME: work, PATH: process.env.PATH }, cwd: work, stdin });
}

function file(name: string, text: string): string {
  const p = path.join(work, name);
  writeFileSync(p, text);
  return p;
}

const hello = path.join(INJECT_DIR, 'hello.yaml');

describe('mesh kube-inject (in-process)', () => {
  it('injects with native sidecars on request, byte-identical to the golden (less the 1.31/1.32-dev deltas)', async () => {
    const r = await cli(['-f', hello, '--native-sidecars', 'true']);
    expect({ ...r, stdout: withoutVersionDeltas(r.stdout) }).toEqual({ code: 0, stdout: readInject('hello.yaml.injected'), stderr: expect.any(String) });
    // Without a cluster the built-in template injects, and stderr says so (stdout stays pure YAML).
    expect(r.stderr).toBe(
      "mesh kube-inject: injected by mesh's built-in templates (Istio 1.31's chart: its templates and default values) — no cluster to ask, proxy registry.istio.io/testing/proxyv2:latest\n",
    );
  });

  it('defaults to auto, which is classic without a cluster, like offline istioctl', async () => {
    const r = await cli(['-f', hello]);
    expect(withoutVersionDeltas(r.stdout)).toBe(readInject('hello-old-version.yaml.injected'));
  });

  it('with explicit config files, auto is istioctl local render: ENABLE_NATIVE_SIDECARS=true gives native, otherwise classic, and no cluster is asked', async () => {
    const values = file('auto-values.yaml', 'global:\n  hub: docker.io/istio\n');
    // A kubeconfig whose cluster does not exist: asking it would time out, not answer.
    const kubeconfig = file(
      'unreachable-kubeconfig',
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const run = (extra: NodeJS.ProcessEnv) =>
      runCli(['kube-inject', '-f', hello, '--valuesFile', values], { env: { HOME: work, PATH: process.env.PATH, KUBECONFIG: kubeconfig, ...extra }, cwd: work });
    const classic = await run({});
    expect(classic.code).toBe(0);
    expect(classic.stdout).not.toContain('restartPolicy: Always');
    const native = await run({ ENABLE_NATIVE_SIDECARS: 'true' });
    expect(native.code).toBe(0);
    expect(native.stdout).toContain('restartPolicy: Always');
    expect((await run({ ENABLE_NATIVE_SIDECARS: 'auto' })).stdout).not.toContain('restartPolicy: Always');
  });

  it('reads stdin, writes -o, and prints warnings on stderr', async () => {
    const out = path.join(work, 'out.yaml');
    const r = await cli(['-f', '-', '-o', out, '--native-sidecars=true'], readInject('hello-host-network.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      expect.stringMatching(/^mesh kube-inject: injected by mesh's built-in templates .* no cluster to ask$/),
      '===> Skipping injection because Deployment "hello-host-network" has host networking enabled',
      '',
    ]);
    expect(withoutVersionDeltas(readFileSync(out, 'utf8'))).toBe(readInject('hello-host-network.yaml.injected'));
  });

  it('takes values and mesh config files', async () => {
    const values = file('values.yaml', 'global:\n  hub: docker.io/istio\n  tag: 1.28.0\n  proxy:\n    holdApplicationUntilProxyStarts: true\n');
    const mesh = file('mesh.yaml', 'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_TLS_CLIENT_KEY: /etc/identity/client/keys/client-key.pem\n');
    const r = await cli(['-f', path.join(INJECT_DIR, 'traffic-annotations.yaml'), '--valuesFile', values, '--meshConfigFile', mesh, '--native-sidecars', 'true']);
    expect(r.code).toBe(0);
    expect(withoutVersionDeltas(r.stdout)).toBe(
      readInject('traffic-annotations.yaml.injected').replaceAll('registry.istio.io/testing/proxyv2:latest', 'docker.io/istio/proxyv2:1.28.0'),
    );
    const merge = file('merge-values.yaml', 'global:\n  proxy:\n    holdApplicationUntilProxyStarts: true\n');
    const r2 = await cli(['-f', path.join(INJECT_DIR, 'merge-probers.yaml'), '--valuesFile', merge, '--native-sidecars', 'true']);
    expect(withoutVersionDeltas(r2.stdout)).toBe(readInject('merge-probers.yaml.injected'));
  });

  it('uses --revision', async () => {
    const r = await cli(['-f', hello, '--revision', 'canary', '--native-sidecars', 'true']);
    expect(r.stdout).toContain('istio.io/rev: canary');
    expect(r.stdout).toContain('"revision":"canary"');
  });
});

describe('mesh kube-inject bad input: exit 1, one line on stderr, no output', () => {
  const deployment = readInject('hello.yaml');
  const cases: Array<[string, string, RegExp]> = [
    ['invalid YAML', 'kind: Deployment\nmetadata:\n  name: [unclosed\n', /^mesh kube-inject: .*bad\.yaml:\d+: /],
    ['an alias bomb', `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\n`, /alias/i],
    ['a workload without spec.template', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: empty}\nspec: {replicas: 1}\n', /bad\.yaml:1: Deployment "empty": spec\.template is required value$/],
    ['a ReplicationController without spec.template', 'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec: {}\n', /spec\.template is required value/],
    ['a bad resource annotation', deployment.replace('      labels:\n        app', '      annotations:\n        sidecar.istio.io/proxyCPU: "lots"\n      labels:\n        app'), /sidecar\.istio\.io\/proxyCPU/],
    ['a bad readiness annotation', deployment.replace('      labels:\n        app', '      annotations:\n        readiness.status.sidecar.istio.io/failureThreshold: "-1"\n      labels:\n        app'), /failureThreshold/],
    ['a bad status port', deployment.replace('      labels:\n        app', '      annotations:\n        status.sidecar.istio.io/port: "99999"\n      labels:\n        app'), /status\.sidecar\.istio\.io\/port/],
    ['a wrongly typed field', deployment.replace('replicas: 7', 'replicas: seven'), /spec\.replicas: expected an integer/],
    ['a bad traffic annotation', readInject('traffic-annotations-bad-excludeinboundports.yaml'), /excludeinboundports/i],
  ];
  for (const [what, text, message] of cases) {
    it(what, async () => {
      const out = path.join(work, `never-${what.replace(/\W/g, '')}.yaml`);
      const r = await cli(['-f', file('bad.yaml', text), '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')).toEqual([expect.stringMatching(message), '']);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('a duplicate key, naming key and line (upstream helloworld file)', async () => {
    const r = await cli(['-f', path.join(CONFORMANCE, 'guestbook-upstream/helloworld-deployment.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mesh kube-inject: .*helloworld-deployment\.yaml:36: .*"version".*\n$/);
  });

  it('an oversized input, rejected before parsing', async () => {
    const big = file('big.yaml', `# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    const started = Date.now();
    const r = await cli(['-f', big]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/larger than 4 MiB\n$/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('bad flags and missing files', async () => {
    expect((await cli([])).stderr).toMatch(/missing -f/);
    expect((await cli(['-f', hello, '--native-sidecars', 'maybe'])).stderr).toMatch(/true, false or auto/);
    expect((await cli(['-f', hello, '--bogus'])).stderr).toMatch(/unknown option "--bogus"/);
    expect((await cli(['-f', path.join(work, 'missing.yaml')])).stderr).toMatch(/cannot read .*missing\.yaml: ENOENT/);
    expect((await cli(['-f', hello, '--valuesFile', file('v.yaml', '- a list\n')])).stderr).toMatch(/v\.yaml:1: expected a YAML mapping/);
  });
});

describe('mesh kube-inject through the built bin', () => {
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'dist/kube-inject.cjs'))) execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')]);
  });

  it('runs as a process', () => {
    const ok = spawnSync(process.execPath, [path.join(ROOT, 'bin/mesh.cjs'), 'kube-inject', '-f', hello, '--native-sidecars', 'true'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: work, KUBECONFIG: '' },
    });
    expect(ok.status).toBe(0);
    expect(withoutVersionDeltas(ok.stdout)).toBe(readInject('hello.yaml.injected'));
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'bin/mesh.cjs'), 'kube-inject', '-f', path.join(INJECT_DIR, 'traffic-annotations-bad-includeipranges.yaml')], {
      encoding: 'utf8',
      env: { ...process.env, HOME: work, KUBECONFIG: '' },
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/includeipranges/i);
  });

  // Its memory is measured against istioctl's (npm run bench inject): loading the whole CLI bundle, or
  // @kubernetes/client-node, would alone cost about istioctl's whole peak. Only a user's memory graph shows it,
  // so this checks what the process loads.
  it('loads its own bundle only, without the other commands or @kubernetes/client-node, when no cluster is asked', () => {
    const record = path.join(work, 'loaded-modules.txt');
    const r = spawnSync(
      process.execPath,
      ['--require', path.join(ROOT, 'test/support/record-loaded-modules.cjs'), path.join(ROOT, 'bin/mesh.cjs'), 'kube-inject', '-f', hello, '--native-sidecars', 'true'],
      { encoding: 'utf8', env: { ...process.env, HOME: work, KUBECONFIG: '', MESH_LOADED_MODULES: record } },
    );
    expect(r.status).toBe(0);
    expect(withoutVersionDeltas(r.stdout)).toBe(readInject('hello.yaml.injected'));
    const loaded = readFileSync(record, 'utf8').split('\n').map((file) => path.relative(ROOT, file));
    expect(loaded).toEqual(['bin/mesh.cjs', 'dist/kube-inject.cjs']);
    // Nor is client-node inlined into the bundle (it is dist/client-node.cjs, required when a kubeconfig is used).
    const bundle = readFileSync(path.join(ROOT, 'dist/kube-inject.cjs'), 'utf8');
    expect(bundle).toContain('require("./client-node.cjs")');
    expect(bundle).not.toContain('// node_modules/@kubernetes/client-node/'); // esbuild's mark of each bundled file
  });
});
