// kube-inject throughput on a generated 1,000-workload multi-document file, and its cost relative to a
// plain parse + stringify of the same file with the `yaml` package (target: at most 1.5×).
import { loadTs } from '../bench-support/load-ts.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** Best wall time of each function over RUNS rounds, interleaved so machine noise hits both alike. */
function bestOf(fns) {
  for (const fn of fns) fn(); // warm-up
  const min = fns.map(() => Infinity);
  for (let i = 0; i < RUNS; i++) {
    fns.forEach((fn, j) => {
      const start = process.hrtime.bigint();
      fn();
      min[j] = Math.min(min[j], Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return min;
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
      `input: ${workloads} workloads + ${WORKLOADS / 5} Services, ${(text.length / 1024).toFixed(0)} KiB (best of ${RUNS})`,
      `kube-inject: ${injectMs.toFixed(0)} ms = ${Math.round((workloads / injectMs) * 1000)} workloads/s`,
      `yaml parse + stringify of the same file: ${plainMs.toFixed(0)} ms`,
      `ratio: ${ratio.toFixed(2)}× (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
