// kube-inject throughput on a generated 1,000-workload multi-document file, and its cost relative to a
// plain parse + stringify of the same file with the `yaml` package (target: at most 1.5×). Then, when the real
// istioctl is built (scripts/istio/build.sh) and the local cluster runs (istioctl needs one to start), the
// whole `mesh kube-inject` CLI and `istioctl kube-inject` on the same file with the same injector
// configuration, as processes: wall time and peak memory (target: mesh's peak ≤ istioctl's).
import { loadTs } from '../bench-support/load-ts.mjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const name = 'kube-inject (src/inject)';

const WORKLOADS = 1000;
const RUNS = 5;

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'];
const API = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Job: 'batch/v1', ReplicaSet: 'apps/v1' };

/** A realistic manifest: workloads with probes, env, resources and ports, plus a Service for every fifth. */
export function generateManifest(count = WORKLOADS) {
  const docs = [];
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length];
    docs.push(`apiVersion: ${API[kind]}
kind: ${kind}
metadata:
  name: app-${i}
  namespace: team-${i % 7}
  labels:
    app: app-${i}
    version: v${i % 3}
spec:
  ${kind === 'Job' || kind === 'DaemonSet' ? '' : 'replicas: 2\n  '}selector:
    matchLabels:
      app: app-${i}
  template:
    metadata:
      labels:
        app: app-${i}
        version: v${i % 3}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      ${kind === 'Job' ? 'restartPolicy: Never\n      ' : ''}containers:
      - name: app
        image: registry.example.com/app-${i}:1.${i % 10}
        ports:
        - name: http
          containerPort: 8080
        - name: metrics
          containerPort: 9090
        env:
        - name: MODE
          value: production
        - name: LEVEL
          value: "${i % 5}"
        resources:
          requests: {cpu: 250m, memory: 256Mi}
          limits: {cpu: 1000m, memory: 1024Mi}
        readinessProbe:
          httpGet: {path: /ready, port: http}
          periodSeconds: 5
        livenessProbe:
          tcpSocket: {port: 8080}
`);
    if (i % 5 === 0) {
      docs.push(`apiVersion: v1
kind: Service
metadata:
  name: app-${i}
spec:
  selector:
    app: app-${i}
  ports:
  - port: 80
    targetPort: http
`);
    }
  }
  return docs.join('---\n');
}

/**
 * Best wall time of each function over RUNS rounds, interleaved so machine noise hits both alike; `cpu` has
 * each one's best CPU time (this process, GC threads included), which other load on the machine disturbs less.
 */
function bestOf(fns, cpu = []) {
  for (const fn of fns) fn(); // warm-up
  const min = fns.map(() => Infinity);
  fns.forEach((_, j) => (cpu[j] = Infinity));
  for (let i = 0; i < RUNS; i++) {
    fns.forEach((fn, j) => {
      const start = process.hrtime.bigint();
      const startCpu = process.cpuUsage();
      fn();
      const used = process.cpuUsage(startCpu);
      min[j] = Math.min(min[j], Number(process.hrtime.bigint() - start) / 1e6);
      cpu[j] = Math.min(cpu[j], (used.user + used.system) / 1000);
    });
  }
  return min;
}

/** Runs a command; wall time and peak resident memory (VmHWM from /proc, sampled every 10 ms until exit). */
function measureProcess(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let peakKiB = 0;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${path.basename(cmd)} exited ${code}: ${stderr.slice(-300)}`));
      else resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, peakMiB: peakKiB / 1024 });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** mesh kube-inject vs istioctl kube-inject as whole processes, same file, same injector configuration. */
async function versusIstioctl(dir, text) {
  const { istioBinaryPath, istioManifestPath, localClusterKubeconfig } = await loadTs(
    dir,
    'istio-paths',
    `export { istioBinaryPath, istioManifestPath } from './src/cluster/versions';
     export { localClusterKubeconfig } from './src/cluster/cluster';`,
  );
  const istioctl = istioBinaryPath('istioctl');
  const kubeconfig = localClusterKubeconfig();
  const cli = path.resolve('bin/mesh.cjs');
  if (!existsSync(istioctl) || !kubeconfig || !existsSync(cli)) {
    return ['vs istioctl: skipped (needs scripts/istio/build.sh and `mesh cluster up`)'];
  }
  const maps = parseAllDocuments(readFileSync(istioManifestPath(), 'utf8')).map((d) => d.toJS()).filter((o) => o?.kind === 'ConfigMap');
  const injector = maps.find((m) => m.metadata.name === 'istio-sidecar-injector');
  const mesh = maps.find((m) => m.metadata.name === 'istio');
  const file = (name, content) => (writeFileSync(path.join(dir, name), content), path.join(dir, name));
  const manifest = file('workloads.yaml', text);
  const config = ['--valuesFile', file('values.json', injector.data.values), '--meshConfigFile', file('mesh.yaml', mesh.data.mesh)];
  const injectConfig = file('inject-config.yaml', injector.data.config);
  const runs = { mesh: [], istioctl: [] };
  for (let i = 0; i < 3; i++) {
    runs.mesh.push(await measureProcess(process.execPath, [cli, 'kube-inject', '-f', manifest, '--native-sidecars', 'false', ...config], { ...process.env, KUBECONFIG: '' }));
    runs.istioctl.push(await measureProcess(istioctl, ['kube-inject', '-f', manifest, '--injectConfigFile', injectConfig, ...config], { ...process.env, KUBECONFIG: kubeconfig, ENABLE_NATIVE_SIDECARS: 'false' }));
  }
  const m = { ms: median(runs.mesh.map((r) => r.ms)), peak: median(runs.mesh.map((r) => r.peakMiB)) };
  const t = { ms: median(runs.istioctl.map((r) => r.ms)), peak: median(runs.istioctl.map((r) => r.peakMiB)) };
  return [
    `mesh kube-inject (process): ${m.ms.toFixed(0)} ms, peak ${m.peak.toFixed(0)} MiB; real istioctl kube-inject: ${t.ms.toFixed(0)} ms, peak ${t.peak.toFixed(0)} MiB (median of 3, alternating)`,
    `mesh vs istioctl: ${(m.ms / t.ms).toFixed(2)}× the wall time, ${(m.peak / t.peak).toFixed(2)}× the peak memory (target peak ≤ 1×: ${m.peak <= t.peak ? 'met' : 'NOT met'})`,
  ];
}

/** The templated path (--injectConfigFile: the 1.31 chart's own templates through src/gotemplate) vs the built-in engine. */
async function templatedVersusBuiltIn(dir, text) {
  const mod = await loadTs(
    dir,
    'templated',
    `export * from './src/inject';
     export { parseInjectorConfig } from './src/inject/injector-config';
     export { istioManifestPath } from './src/cluster/versions';`,
  );
  if (!existsSync(mod.istioManifestPath())) return ['templated path: skipped (needs scripts/istio/build.sh)'];
  const maps = parseAllDocuments(readFileSync(mod.istioManifestPath(), 'utf8')).map((d) => d.toJS()).filter((o) => o?.kind === 'ConfigMap');
  const injector = maps.find((m) => m.metadata.name === 'istio-sidecar-injector');
  const mesh = parseAllDocuments(maps.find((m) => m.metadata.name === 'istio').data.mesh)[0].toJS();
  const values = JSON.parse(injector.data.values);
  const builtIn = mod.injectionSettings({ values, meshConfig: mesh, nativeSidecars: false });
  const templated = mod.injectionSettings({ values, meshConfig: mesh, nativeSidecars: false, injector: mod.parseInjectorConfig(injector.data.config, 'bench') });
  const cpu = [];
  const [templatedMs, builtInMs] = bestOf([
    () => mod.injectManifests(text, 'bench.yaml', templated),
    () => mod.injectManifests(text, 'bench.yaml', builtIn),
  ], cpu);
  const ratio = templatedMs / builtInMs;
  return [
    `templated path (--injectConfigFile, 1.31 chart templates): ${templatedMs.toFixed(0)} ms; built-in engine, same values: ${builtInMs.toFixed(0)} ms`,
    `templated vs built-in: ${ratio.toFixed(2)}× the wall time (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'}); ${(cpu[0] / cpu[1]).toFixed(2)}× the CPU time (${cpu[0].toFixed(0)} vs ${cpu[1].toFixed(0)} ms)`,
  ];
}

export default async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-inject-'));
  try {
    const engine = await loadTs(dir, 'inject', `export * from './src/inject';`);
    const text = generateManifest();
    const settings = engine.injectionSettings();
    let workloads = 0;
    const [injectMs, plainMs] = bestOf([
      () => {
        workloads = engine.injectManifests(text, 'bench.yaml', settings).workloads.length;
      },
      () => {
        let out = '';
        for (const doc of parseAllDocuments(text)) out += `${stringify(doc.toJS())}---\n`;
        return out;
      },
    ]);
    const ratio = injectMs / plainMs;
    return [
      `input: ${workloads} workloads + ${WORKLOADS / 5} Services, ${(text.length / 1024).toFixed(0)} KiB (best of ${RUNS}); 1-min load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
      `kube-inject: ${injectMs.toFixed(0)} ms = ${Math.round((workloads / injectMs) * 1000)} workloads/s`,
      `yaml parse + stringify of the same file: ${plainMs.toFixed(0)} ms`,
      `ratio: ${ratio.toFixed(2)}× (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
      ...(await templatedVersusBuiltIn(dir, text)),
      ...(await versusIstioctl(dir, text)),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
