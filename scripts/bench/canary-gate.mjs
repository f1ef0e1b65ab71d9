// One canary gate evaluation against a real Prometheus (Debian's, scraping an exporter of Istio-shaped metrics
// every second): mesh's three PromQL instant queries (requests, success rate, p99 latency) at once and the
// verdict, against the peer `curl` fetching the same three queries (one process, one connection) in the same run.
// `promtool query instant` (three processes at once) is shown as a second peer. Median of 30 runs each, alternating.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTs } from '../bench-support/load-ts.mjs';

export const name = 'canary-gate (one gate evaluation against Prometheus)';

const RUNS = 30;
const run = promisify(execFile);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export default async function bench() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-canary-'));
  const lib = await loadTs(dir, 'canary-bench', `
    export { startIstioExporter, startPrometheus } from './test/support/prometheus';
    export { gateQueries, judgeGates } from './src/traffic/canary';
    export { queryGateMetrics } from './src/traffic/prometheus';
  `);
  const exporter = await lib.startIstioExporter();
  exporter.set('shop', 'helloworld', 'v2', { rps: 50, errorRate: 0.001, latencyMs: 40 });
  const prometheus = await lib.startPrometheus([exporter.url]).catch(async (error) => {
    await exporter.close();
    throw error;
  });
  try {
    const interval = 30;
    // Until Prometheus has two scrapes of the series: a gate then has something to judge.
    for (let i = 0; i < 100; i += 1) {
      if ((await lib.queryGateMetrics(prometheus.url, 'helloworld', 'shop', 'v2', interval)).requests) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const queries = Object.values(lib.gateQueries('helloworld', 'shop', 'v2', interval));
    const urls = queries.map((q) => `${prometheus.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const mesh = [];
    const curl = [];
    const promtool = [];
    let verdict;
    for (let i = 0; i < RUNS; i += 1) {
      mesh.push(await timed(async () => {
        const measured = await lib.queryGateMetrics(prometheus.url, 'helloworld', 'shop', 'v2', interval);
        verdict = lib.judgeGates({ ready: { ok: true, detail: '' }, metrics: true, ...measured }, 'v2', interval);
      }));
      curl.push(await timed(() => run('curl', ['-sf', ...urls.flatMap((u) => ['-o', '/dev/null', u])])));
      promtool.push(await timed(() => Promise.all(queries.map((q) => run('/usr/bin/promtool', ['query', 'instant', prometheus.url, q])))));
    }
    const m = median(mesh);
    const c = median(curl);
    const p = median(promtool);
    return [
      `load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; Prometheus ${prometheus.url} scraping one exporter every 1 s; ${RUNS} runs each, alternating`,
      `verdict: ${verdict.ok ? `passed (${verdict.summary})` : `failed (${verdict.reason})`}`,
      `mesh gate evaluation (3 instant queries at once + verdict, in-process): median ${m.toFixed(1)} ms`,
      `peer curl, the same 3 queries (one process): median ${c.toFixed(1)} ms → ratio ${(m / c).toFixed(2)}×`,
      `peer promtool query instant, 3 processes at once: median ${p.toFixed(1)} ms → ratio ${(m / p).toFixed(2)}×`,
    ];
  } finally {
    await prometheus.close();
    await exporter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
