// Injector webhook latency: AdmissionReviews for a typical Deployment pod sent at a fixed 200/s (open loop,
// like the API server's calls) over keep-alive loopback HTTPS to mesh's webhook server; latency is measured
// from send to the last byte of the answer. Target: p99 ≤ 5 ms. When the local cluster runs a real istiod
// (`mesh cluster up`), the same reviews go to istiod's /inject at the same rate in the same run, alternating
// with mesh, and mesh's p99 is reported as a ratio of istiod's (target ≤ 0.25×).
import { loadTs } from '../bench-support/load-ts.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';

export const name = 'injector webhook (AdmissionReview latency at 200/s, loopback HTTPS)';

const RATE = 200;
const WARMUP = 400;
const MEASURED = 2000;

const loadCore = (dir) =>
  loadTs(
    dir,
    'webhook',
    `export { startWebhookServer } from './src/webhook/server';
     export { reviewAdmission } from './src/webhook/review';
     export { injectorFromSettings } from './src/webhook/engine';
     export { injectionSettings } from './src/inject';
     export { clusterDir, readState } from './src/cluster/state';`,
  );

function selfSignedCert(dir) {
  const result = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { cwd: dir, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') };
}

// What the ReplicaSet controller sends for a small web Deployment, API-server defaults included.
function typicalReview(i) {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${i}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE',
      namespace: 'shop',
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'frontend-6d5f7c9b8-',
          namespace: 'shop',
          labels: { app: 'frontend', version: 'v1', 'pod-template-hash': '6d5f7c9b8' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'frontend-6d5f7c9b8', uid: 'u1', controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }], defaultMode: 420 } }],
          containers: [
            {
              name: 'frontend',
              image: 'gcr.io/google-samples/gb-frontend:v4',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'GET_HOSTS_FROM', value: 'dns' }],
              resources: { requests: { cpu: '100m', memory: '100Mi' } },
              readinessProbe: { httpGet: { path: '/', port: 80, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
              volumeMounts: [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'default',
          serviceAccount: 'default',
          securityContext: {},
          schedulerName: 'default-scheduler',
          tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
          priority: 0,
          enableServiceLinks: true,
          preemptionPolicy: 'PreemptLowerPriority',
        },
        status: {},
      },
    },
  });
}

function send(agent, url, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = https.request(
      `${url}?timeout=10s`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const answer = JSON.parse(Buffer.concat(chunks).toString());
          if (res.statusCode !== 200 || answer.response?.patchType !== 'JSONPatch') reject(new Error(`unexpected answer ${res.statusCode}`));
          else resolve(ms);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Open loop at RATE/s: WARMUP + MEASURED reviews; returns the measured latencies sorted, and the achieved rate. */
async function openLoop(url, agentOptions) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ...agentOptions });
  const bodies = Array.from({ length: 50 }, (_, i) => typicalReview(i));
  const latencies = [];
  const total = WARMUP + MEASURED;
  const interval = 1000 / RATE;
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(agent, url, bodies[i % bodies.length]).then((ms) => i >= WARMUP && latencies.push(ms)));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { latencies: latencies.sort((a, b) => a - b), rate: total / elapsed };
}

/** istiod of the local cluster, if one runs: its inject URL and the CA it put into its webhook configuration. */
async function localIstiod(core) {
  const state = core.readState(core.clusterDir('default'));
  const istiod = state?.istio?.find((i) => i.revision === 'default');
  if (!istiod) return undefined;
  const kubeconfig = readFileSync(state.kubeconfig, 'utf8');
  const b64 = (key) => Buffer.from(new RegExp(`${key}: (\\S+)`).exec(kubeconfig)[1], 'base64').toString('utf8');
  const tls = { ca: b64('certificate-authority-data'), cert: b64('client-certificate-data'), key: b64('client-key-data') };
  const config = await new Promise((resolve, reject) => {
    https.get(`${state.server}/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${istiod.injectorConfig}`, tls, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  }).catch(() => undefined);
  const caBundle = config?.webhooks?.[0]?.clientConfig?.caBundle;
  if (!caBundle) return undefined;
  const url = istiod.injectUrl;
  // Is it alive? One review.
  const alive = await send(new https.Agent({ ca: Buffer.from(caBundle, 'base64').toString('utf8') }), url, typicalReview(0)).then(() => true, () => false);
  return alive ? { url, ca: Buffer.from(caBundle, 'base64').toString('utf8') } : undefined;
}

function istiodLines(meshP99, runs) {
  if (runs.length === 0) return ['istiod: no real istiod on the local cluster (run `mesh cluster up`) — no comparison this run'];
  const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const p99 = pct(all, 99);
  const ratio = meshP99 / p99;
  return [
    `istiod (real, same reviews, same rate, alternating runs): p50 ${pct(all, 50).toFixed(2)} ms · p90 ${pct(all, 90).toFixed(2)} ms · p99 ${p99.toFixed(2)} ms · max ${all[all.length - 1].toFixed(2)} ms`,
    `mesh p99 = ${ratio.toFixed(2)}× istiod's p99 — target ≤ 0.25×: ${ratio <= 0.25 ? 'met' : 'NOT met'}`,
  ];
}

export default async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-webhook-'));
  try {
    // CPU per review without HTTP (decode, decide, inject, diff, encode): what a busy machine cannot distort.
    const core = await loadCore(dir);
    const injector = core.injectorFromSettings(core.injectionSettings());
    const review = typicalReview(0);
    for (let i = 0; i < 200; i++) JSON.stringify(core.reviewAdmission(review, 'application/json', injector).body);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 1000; i++) JSON.stringify(core.reviewAdmission(review, 'application/json', injector).body);
    const cpu = process.cpuUsage(cpu0);
    const cpuPerReview = (cpu.user + cpu.system) / 1000 / 1000;
    const { cert, key } = selfSignedCert(dir);
    // The server runs on its own thread (as the webhook is its own process next to the API server), so the
    // load generator's TLS and JSON work does not queue in front of it.
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const core = require(workerData.bundle);
       const handling = [];
       core.startWebhookServer({ cert: workerData.cert, key: workerData.key,
         injector: core.injectorFromSettings(core.injectionSettings()), onRequest: ({ ms }) => handling.push(ms) })
         .then((server) => parentPort.postMessage({ port: server.port }));
       parentPort.on('message', () => parentPort.postMessage({ handling }));`,
      { eval: true, workerData: { bundle: path.join(dir, 'webhook.cjs'), cert, key } },
    );
    const { port } = await new Promise((resolve) => worker.once('message', resolve));
    const meshUrl = `https://127.0.0.1:${port}/inject`;
    const istiod = await localIstiod(core);
    // Alternating runs (mesh, istiod, mesh, istiod) so a change in machine load hits both alike.
    const meshRuns = [];
    const istiodRuns = [];
    for (let round = 0; round < (istiod ? 2 : 1); round++) {
      meshRuns.push(await openLoop(meshUrl, { rejectUnauthorized: false }));
      if (istiod) istiodRuns.push(await openLoop(istiod.url, { ca: istiod.ca }));
    }
    const latencies = meshRuns.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const achieved = meshRuns[0].rate;
    worker.postMessage('report');
    const { handling } = await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    const served = handling.slice(WARMUP).sort((a, b) => a - b);
    const load = os.loadavg()[0];
    const p50 = pct(latencies, 50);
    const p99 = pct(latencies, 99);
    return [
      `${latencies.length} reviews measured (${meshRuns.length} run(s) of ${MEASURED} after ${WARMUP} warm-up), offered at ${RATE}/s (achieved ${achieved.toFixed(0)}/s)`,
      `p50 ${p50.toFixed(2)} ms · p90 ${pct(latencies, 90).toFixed(2)} ms · p99 ${p99.toFixed(2)} ms · max ${latencies[latencies.length - 1].toFixed(2)} ms`,
      `CPU per review (no HTTP): ${cpuPerReview.toFixed(2)} ms, i.e. ${(RATE * cpuPerReview / 10).toFixed(0)}% of one core at ${RATE}/s`,
      `server handling time: p50 ${pct(served, 50).toFixed(2)} ms · p99 ${pct(served, 99).toFixed(2)} ms (engine + patch + JSON)`,
      `target p99 ≤ 5 ms: ${p99 <= 5 ? 'met' : 'NOT met'} (1-min load average ${load.toFixed(1)} on ${os.cpus().length} CPUs)`,
      ...istiodLines(p99, istiodRuns),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
