// A real Prometheus (Debian's /usr/bin/prometheus, scripts/ensure-prometheus.sh) scraping a small exporter that
// serves Istio-shaped request metrics per subset — istio_requests_total and the
// istio_request_duration_milliseconds histogram with the labels an Istio sidecar reports as destination — so the
// canary gates are judged by real PromQL over a real TSDB.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** What one subset's pods serve: requests per second, the share answered 503, and every request's latency. */
export interface SubsetTraffic {
  rps: number;
  errorRate: number;
  latencyMs: number;
}

const BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

export interface IstioExporter {
  url: string;
  /** Changes what a subset serves from now on (the counters keep what they counted). */
  set(namespace: string, service: string, subset: string, traffic: SubsetTraffic): void;
  close(): Promise<void>;
}

/** Counters grow with the time between scrapes, as a sidecar's would with steady traffic. */
export async function startIstioExporter(): Promise<IstioExporter> {
  const series = new Map<string, { labels: string; traffic: SubsetTraffic; ok: number; errors: number; latencySum: number; at: number }>();
  const advance = (now: number) => {
    for (const s of series.values()) {
      const requests = (s.traffic.rps * (now - s.at)) / 1000;
      s.errors += requests * s.traffic.errorRate;
      s.ok += requests * (1 - s.traffic.errorRate);
      s.latencySum += requests * s.traffic.latencyMs;
      s.at = now;
    }
  };
  const server: Server = createServer((req, res) => {
    advance(Date.now());
    const lines = ['# TYPE istio_requests_total counter', '# TYPE istio_request_duration_milliseconds histogram'];
    for (const s of series.values()) {
      lines.push(`istio_requests_total{${s.labels},response_code="200"} ${s.ok.toFixed(3)}`, `istio_requests_total{${s.labels},response_code="503"} ${s.errors.toFixed(3)}`);
      const count = s.ok + s.errors;
      for (const le of BUCKETS) lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="${le}"} ${(s.traffic.latencyMs <= le ? count : 0).toFixed(3)}`);
      lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="+Inf"} ${count.toFixed(3)}`);
      lines.push(`istio_request_duration_milliseconds_sum{${s.labels}} ${s.latencySum.toFixed(3)}`, `istio_request_duration_milliseconds_count{${s.labels}} ${count.toFixed(3)}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(namespace, service, subset, traffic) {
      const key = `${namespace}/${service}/${subset}`;
      advance(Date.now());
      const labels = `reporter="destination",destination_service="${service}.${namespace}.svc.cluster.local",destination_service_name="${service}",destination_service_namespace="${namespace}",destination_version="${subset}"`;
      const existing = series.get(key);
      series.set(key, existing ? { ...existing, traffic } : { labels, traffic, ok: 0, errors: 0, latencySum: 0, at: Date.now() });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RunningPrometheus {
  url: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Installs Prometheus when missing, then runs one on loopback scraping `targets` every second. */
export async function startPrometheus(targets: string[]): Promise<RunningPrometheus> {
  // From the sources, or from a bundle of them (the benchmark's) run in the project's root.
  const script = [path.resolve(__dirname, '../../scripts/ensure-prometheus.sh'), path.resolve('scripts/ensure-prometheus.sh')].find((f) => existsSync(f));
  if (!script) throw new Error('scripts/ensure-prometheus.sh not found: run from the project root');
  execFileSync('sh', [script], { stdio: 'inherit' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-prometheus-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), [
    'global: {scrape_interval: 1s, evaluation_interval: 1s}',
    'scrape_configs:',
    '- job_name: istio-mesh',
    `  static_configs: [{targets: [${targets.map((t) => `"${t}"`).join(', ')}]}]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const child: ChildProcess = spawn('/usr/bin/prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (log = (log + c).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
