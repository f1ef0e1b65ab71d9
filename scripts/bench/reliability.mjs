// The fault scenarios of issue 16 (jest suites on the real local control plane, counted as survived n/n), and
// hostile input at scale, seeded and reproducible (fast-check, seed FUZZ_SEED; the jest suite in
// test/reliability/ runs a small share of the same generators): 100,000 `/mesh` texts through the grammar and
// the signed front door as deployed (dist/handlers/slack.js in its own process), 10,000 manifests through
// `mesh kube-inject` (in-process on a worker thread with a heap limit and a watchdog), 10,000 AdmissionReviews
// to the injector webhook over loopback HTTPS (server on its own thread). Reports cases, crashes, hangs
// (a case over 1 s), peak memory and p99 handling times. Every loop is bounded in count and in time.
import { loadTs, root } from '../bench-support/load-ts.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export const name = 'reliability (fault scenarios on the real components; seeded hostile input: /mesh texts, manifests, AdmissionReviews)';

const SCALE = Number(process.env.MESH_RELIABILITY_SCALE ?? 1); // e.g. 0.01 for a quick look
const COMMANDS = Math.round(100_000 * SCALE);
const MANIFESTS = Math.round(10_000 * SCALE);
const REVIEWS = Math.round(10_000 * SCALE);
const HANG_MS = 1000;
const WATCHDOG_MS = 30_000; // a case silent this long is killed and counted as a hang
const TARGET_BUDGET_MS = Number(process.env.MESH_RELIABILITY_BUDGET_MIN ?? 30) * 60_000; // no target runs longer, whatever the counts
const WORKER_HEAP_MB = 1024;
const MANIFEST_BATCH = 50;
// MESH_RELIABILITY_TARGETS=manifests,reviews runs only those.
const TARGETS = (process.env.MESH_RELIABILITY_TARGETS ?? 'faults,commands,manifests,reviews').split(',');

// The fault scenarios of issue 16, each a jest test on the real local control plane (and the Slack stand-in):
// which suite and test title prove which scenario. The Deployment half of scenario 4 needs the cluster with
// istiod and is in test/integration/autoinject-istiod.test.ts (run by `npm test`).
const FAULT_SCENARIOS = [
  [1, 'kube-apiserver stopped 10 s mid-stage', 'rollout-faults', /resumes after a 10 s outage/],
  [2, 'etcd restarted mid-rollout, data kept', 'rollout-faults', /^scenario 2:/],
  [3, 'worker killed while applying and while waiting, state stepped again', 'worker-killed', /^scenario 3:/],
  [4, 'injector down: StatefulSet and DaemonSet fail fast naming the webhook', 'failed-create', /^scenario 4:/],
  [5, 'Slack 429 with Retry-After, then 500s, then timeouts', 'slack-faults', /^scenario 5:/],
  [6, 'same command or button delivered twice; two channels at once', 'slack-faults', /^scenario 6:/],
  [7, 'Lease of a process dead on another host', 'lease-takeover', /^scenario 7:/],
  [8, 'API server gone for good', 'rollout-faults', /gone for good/],
  [9, 'cluster heals instead of resetting', 'cluster-heal', /./],
];

const SUPPORT = `
  export * from './test/reliability/support/commands';
  export * from './test/reliability/support/manifests';
  export * from './test/reliability/support/reviews';
  export * from './test/reliability/support/slack-door';
  export { makeTestPki } from './test/webhook/support/tls';
  export { runCli } from './test/support/run-cli';
  export { startWebhookServer } from './src/webhook/server';
  export { injectorFromSettings } from './src/webhook/engine';
  export { injectionSettings } from './src/inject';
  export { default as fc } from 'fast-check';
`;

const pct = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const ms = (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2));
const count = (n) => n.toLocaleString('en-US');
/** Peak resident memory of a process (Linux VmHWM), in MiB. */
function peakRssMiB(pid = process.pid) {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? (kb / 1024).toFixed(0) : '?';
  } catch {
    return '?';
  }
}

async function commands(lib) {
  const started = performance.now();
  const texts = lib.fc.sample(lib.meshText, { seed: lib.FUZZ_SEED, numRuns: COMMANDS });
  const grammarMs = [];
  let grammarProblems = 0;
  for (const text of texts) {
    const t0 = performance.now();
    if (lib.grammarProblem(text)) grammarProblems += 1;
    grammarMs.push(performance.now() - t0);
  }
  const callers = [{ user: 'U0ALICE', channel: 'C0OPS' }, { user: 'U0PLATFORM', channel: 'C0RANDOM' }, { user: 'U0EVE', channel: 'C0RANDOM' }];
  const door = await lib.startSlackDoor({ bundle: path.join(root, 'dist/handlers/slack.js') });
  const handling = [];
  let fiveHundreds = 0;
  let thrown = 0;
  let unclear = 0;
  let hangs = 0;
  let sent = 0;
  const examples = [];
  try {
    for (const [i, text] of texts.entries()) {
      if (performance.now() - started > TARGET_BUDGET_MS) break;
      sent += 1;
      try {
        const { result, ms: took } = await door.command(text, callers[i % callers.length]);
        handling.push(took);
        if (took > HANG_MS) hangs += 1;
        if (result.statusCode >= 500) fiveHundreds += 1;
        const problem = lib.uncleanReply(result);
        if (problem) {
          unclear += 1;
          if (examples.length < 3) examples.push(`${JSON.stringify(text.slice(0, 60))}: ${problem}`);
        }
      } catch (error) {
        thrown += 1;
        if (examples.length < 3) examples.push(`${JSON.stringify(text.slice(0, 60))}: ${String(error).split('\n')[0]}`);
      }
    }
    const stackLines = door.bundle.stderr.filter((line) => /^\s+at /.test(line)).length;
    const leaked = lib.leakedSecrets(door.outputs());
    return [
      `/mesh texts: ${count(texts.length)} generated and mutated (seed ${lib.FUZZ_SEED})`,
      `  grammar: ${grammarProblems} problems; p99 ${(pct(grammarMs, 99) * 1000).toFixed(0)} µs per text`,
      `  signed front door (dist/handlers/slack.js, own process): ${count(sent)} requests, ${fiveHundreds} 5xx, ${thrown} handler errors, ${unclear} unclear answers, ${stackLines} stack-trace lines, ${hangs} hangs (> 1 s)`,
      `  handling time p50 ${ms(pct(handling, 50))} ms · p99 ${ms(pct(handling, 99))} ms · max ${ms(Math.max(...handling))} ms; peak RSS of the Lambda process ${peakRssMiB(door.bundle.pid)} MiB`,
      `  jobs started on the Step Functions stand-in: ${count(door.sfn.started.length)}; secrets in logs, audit lines, Slack and Step Functions traffic: ${leaked.length === 0 ? 'none' : leaked.join(', ')}`,
      ...examples.map((e) => `  e.g. ${e}`),
    ];
  } finally {
    await door.close();
  }
}

// Runs cases [from, total) of the manifest generator through `mesh kube-inject -f`, posting one message per case.
const MANIFEST_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const lib = require(workerData.bundle);
(async () => {
  // Generated a batch at a time (each batch its own seed): ten thousand cases of up to 4 MiB do not fit in memory.
  let batch = -1;
  let cases = [];
  for (let i = workerData.from; i < workerData.total; i += 1) {
    if (Math.floor(i / workerData.batchSize) !== batch) {
      batch = Math.floor(i / workerData.batchSize);
      cases = lib.fc.sample(lib.hostileManifest, { seed: lib.FUZZ_SEED + batch, numRuns: workerData.batchSize });
    }
    const { shape, text } = cases[i % workerData.batchSize];
    parentPort.postMessage({ type: 'start', i, shape, bytes: text.length });
    writeFileSync(path.join(workerData.dir, 'case.yaml'), text);
    const t0 = performance.now();
    let outcome;
    let problem;
    try {
      const run = await lib.runCli(['kube-inject', '-f', 'case.yaml', '--native-sidecars', 'false'], { env: {}, cwd: workerData.dir });
      outcome = run.code === 0 ? 'output' : run.code === 1 ? 'refused' : 'exit ' + run.code;
      if (run.code === 1) problem = run.stdout !== '' ? 'output despite the error' : lib.unclearRefusal(run.stderr.replace(/^mesh kube-inject: /, '').replace(/\\n$/, ''), 'case.yaml');
      else if (run.code !== 0) problem = 'exit code ' + run.code;
    } catch (error) {
      outcome = 'crash';
      problem = String(error && error.stack || error).split('\\n').slice(0, 2).join(' ');
    }
    parentPort.postMessage({ type: 'done', i, shape, ms: performance.now() - t0, outcome, problem, heapMiB: process.memoryUsage().heapUsed / 1048576 });
  }
  parentPort.postMessage({ type: 'finished' });
})();
`;

async function manifests(bundle, dir) {
  const started = performance.now();
  const results = [];
  const killed = [];
  let from = 0;
  let maxHeap = 0;
  while (from < MANIFESTS && performance.now() - started < TARGET_BUDGET_MS) {
    const outcome = await new Promise((resolve) => {
      const worker = new Worker(MANIFEST_WORKER, { eval: true, workerData: { bundle, dir, from, total: MANIFESTS, batchSize: MANIFEST_BATCH }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
      let current;
      let timer;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void worker.terminate();
          resolve({ killed: current, why: `no answer within ${WATCHDOG_MS / 1000} s` });
        }, WATCHDOG_MS);
      };
      arm();
      worker.on('message', (m) => {
        arm();
        if (m.type === 'start') current = m;
        else if (m.type === 'done') {
          results.push(m);
          maxHeap = Math.max(maxHeap, m.heapMiB);
          from = m.i + 1;
          current = undefined;
          if (performance.now() - started > TARGET_BUDGET_MS) void worker.terminate();
        } else if (m.type === 'finished') {
          clearTimeout(timer);
          void worker.terminate().then(() => resolve({ finished: true }));
        }
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        resolve({ killed: current, why: String(error.message ?? error).split('\n')[0] });
      });
      worker.on('exit', () => {
        clearTimeout(timer);
        resolve({ finished: from >= MANIFESTS });
      });
    });
    if (!outcome.finished && !outcome.killed) {
      if (performance.now() - started <= TARGET_BUDGET_MS) killed.push(`worker ended before case ${from}: ${outcome.why ?? 'exited'}`);
      break;
    }
    if (outcome.killed) {
      killed.push(`case ${outcome.killed.i} (${outcome.killed.shape}, ${count(outcome.killed.bytes)} bytes): ${outcome.why}`);
      from = outcome.killed.i + 1;
    } else if (outcome.finished) break;
  }
  const byShape = new Map();
  for (const r of results) {
    const s = byShape.get(r.shape) ?? { n: 0, output: 0, refused: 0, hangs: 0, max: 0 };
    s.n += 1;
    if (r.outcome === 'output') s.output += 1;
    if (r.outcome === 'refused') s.refused += 1;
    if (r.ms > HANG_MS) s.hangs += 1;
    s.max = Math.max(s.max, r.ms);
    byShape.set(r.shape, s);
  }
  const times = results.map((r) => r.ms);
  const crashes = results.filter((r) => r.outcome === 'crash' || r.outcome.startsWith('exit ')).length + killed.length;
  const unclear = results.filter((r) => r.problem && r.outcome === 'refused');
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 3);
  return [
    `manifests: ${count(results.length + killed.length)} of ${count(MANIFESTS)} through mesh kube-inject -f (in-process, worker heap limit ${WORKER_HEAP_MB} MiB)`,
    `  exit 0 with output: ${count(results.filter((r) => r.outcome === 'output').length)} · exit 1 with one line: ${count(results.filter((r) => r.outcome === 'refused').length)} · crashes (exception, exit 2, out of memory, killed): ${crashes} · unclear refusals: ${unclear.length}`,
    `  per case p50 ${ms(pct(times, 50))} ms · p99 ${ms(pct(times, 99))} ms · max ${ms(Math.max(...times))} ms; hangs (> 1 s): ${results.filter((r) => r.ms > HANG_MS).length}`,
    ...[...byShape].map(([shape, s]) => `    ${shape.padEnd(13)} ${String(s.n).padStart(5)} cases: ${s.output} output, ${s.refused} refused, ${s.hangs} over 1 s, max ${ms(s.max)} ms`),
    `  slowest: ${slowest.map((r) => `${r.shape} #${r.i} ${ms(r.ms)} ms`).join(', ')}`,
    `  peak heap of the worker ${maxHeap.toFixed(0)} MiB; peak RSS of the benchmark process ${peakRssMiB()} MiB`,
    ...killed.map((k) => `  killed: ${k}`),
    ...unclear.slice(0, 3).map((r) => `  e.g. unclear (#${r.i}, ${r.shape}): ${r.problem}`),
    ...results.filter((r) => r.outcome === 'crash').slice(0, 3).map((r) => `  e.g. crash (#${r.i}, ${r.shape}): ${r.problem}`),
  ];
}

// The webhook on its own thread, as its own process would be: a crash ends the thread, not the benchmark.
const WEBHOOK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const lib = require(workerData.bundle);
const handling = [];
lib.startWebhookServer({ cert: workerData.cert, key: workerData.key, injector: lib.injectorFromSettings(lib.injectionSettings()),
  onRequest: ({ ms, status }) => handling.push([ms, status]) })
  .then((server) => parentPort.postMessage({ port: server.port }));
parentPort.on('message', () => parentPort.postMessage({ handling, heapMiB: process.memoryUsage().heapUsed / 1048576 }));
`;

async function reviews(lib, bundle) {
  const started = performance.now();
  const pki = lib.makeTestPki();
  const startServer = async () => {
    const worker = new Worker(WEBHOOK_WORKER, { eval: true, workerData: { bundle, cert: pki.certPem, key: pki.keyPem }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const { port } = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return { worker, port, exited };
  };
  let server = await startServer();
  let serverCrashes = 0;
  let crashed = false;
  server.worker.on('error', () => (crashed = true));
  const agent = new https.Agent({ keepAlive: true, ca: pki.caPem, maxSockets: 1 });
  const cases = lib.fc.sample(lib.hostileReview, { seed: lib.FUZZ_SEED, numRuns: REVIEWS });
  const statuses = new Map();
  let dropped = 0;
  let bad = 0;
  let refused = 0;
  let sent = 0;
  const examples = [];
  const handling = [];
  for (const request of cases) {
    if (performance.now() - started > TARGET_BUDGET_MS) break;
    sent += 1;
    try {
      const answer = await lib.sendReview(server.port, agent, request);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const problem = lib.badAnswer(request, answer);
      if (problem) {
        bad += 1;
        if (examples.length < 3) examples.push(problem.slice(0, 200));
      } else if (answer.status === 200 && JSON.parse(answer.body).response?.allowed === false) refused += 1;
    } catch (error) {
      dropped += 1;
      if (examples.length < 3) examples.push(`dropped: ${String(error).split('\n')[0]}`);
    }
    if (crashed) {
      serverCrashes += 1;
      crashed = false;
      server = await startServer();
      server.worker.on('error', () => (crashed = true));
    }
  }
  const health = await lib.sendReview(server.port, agent, { body: JSON.stringify(lib.typicalReview('after-fuzz')), contentType: 'application/json', method: 'POST', path: '/inject' }).catch(() => undefined);
  const stillServing = health?.status === 200 && JSON.parse(health.body).response?.patchType === 'JSONPatch';
  server.worker.postMessage('report');
  const report = await new Promise((resolve) => server.worker.once('message', resolve));
  for (const [took] of report.handling) handling.push(took);
  agent.destroy();
  await server.worker.terminate();
  const fiveHundreds = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  const fourHundreds = [...statuses].filter(([s]) => s >= 400 && s < 500);
  return [
    `AdmissionReviews: ${count(sent)} of ${count(REVIEWS)} over loopback HTTPS (keep-alive) to the webhook on its own thread, real engine`,
    `  200: ${count(statuses.get(200) ?? 0)} (of them refused with a message: ${count(refused)}) · 4xx: ${fourHundreds.map(([s, c]) => `${s} ×${count(c)}`).join(', ')} · 5xx: ${fiveHundreds} · dropped connections: ${dropped} · answers not as promised: ${bad} · server crashes: ${serverCrashes}`,
    `  server handling p50 ${ms(pct(handling, 50))} ms · p99 ${ms(pct(handling, 99))} ms · max ${ms(Math.max(...handling))} ms; hangs (> 1 s): ${handling.filter((t) => t > HANG_MS).length}; server heap at the end ${report.heapMiB.toFixed(0)} MiB`,
    `  still serving afterwards (a real pod injected): ${stillServing ? 'yes' : 'NO'}`,
    ...examples.map((e) => `  e.g. ${e}`),
  ];
}

/** Runs the fault suites once (jest, integration project) and counts the scenarios all of whose tests passed. */
function faults(dir) {
  const files = [...new Set(FAULT_SCENARIOS.map(([, , file]) => `test/integration/${file}.test.ts`))];
  const report = path.join(dir, 'faults.json');
  const started = performance.now();
  spawnSync(process.execPath, [path.join(root, 'node_modules/jest/bin/jest.js'), '--selectProjects', 'integration', '--runInBand', '--json', '--outputFile', report, '--runTestsByPath', ...files], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 15 * 60_000,
  });
  if (!existsSync(report)) return ['fault scenarios: jest wrote no report (see its output above)'];
  const results = JSON.parse(readFileSync(report, 'utf8')).testResults.flatMap((suite) =>
    suite.assertionResults.map((t) => ({ file: path.basename(suite.name, '.test.ts'), title: t.fullName, passed: t.status === 'passed', ms: t.duration ?? 0 })),
  );
  const lines = FAULT_SCENARIOS.map(([n, what, file, title]) => {
    const tests = results.filter((r) => r.file === file && title.test(r.title));
    const survived = tests.length > 0 && tests.every((t) => t.passed);
    return { survived, line: `  ${survived ? 'survived' : 'NOT survived'}  ${n}. ${what} (${tests.filter((t) => t.passed).length}/${tests.length} tests, ${(tests.reduce((a, t) => a + t.ms, 0) / 1000).toFixed(0)} s)` };
  });
  return [
    `fault scenarios survived ${lines.filter((l) => l.survived).length}/${lines.length} (real local control plane, Slack stand-in; ${((performance.now() - started) / 1000).toFixed(0)} s including cluster starts)`,
    ...lines.map((l) => l.line),
  ];
}

export default async function run() {
  if (!existsSync(path.join(root, 'dist/handlers/slack.js'))) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-reliability-'));
  try {
    const lib = await loadTs(dir, 'reliability', SUPPORT);
    const bundle = path.join(dir, 'reliability.cjs');
    const t0 = performance.now();
    const lines = [
      `1-min load average at start ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs; hang = a case over ${HANG_MS} ms`,
      ...(TARGETS.includes('faults') ? faults(dir) : []),
      ...(TARGETS.includes('commands') ? await commands(lib) : []),
      ...(TARGETS.includes('manifests') ? await manifests(bundle, dir) : []),
      ...(TARGETS.includes('reviews') ? await reviews(lib, bundle) : []),
    ];
    lines.push(`total ${((performance.now() - t0) / 1000).toFixed(0)} s; 1-min load average at the end ${os.loadavg()[0].toFixed(1)}`);
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
