// The canary gates judged by real PromQL: Debian's Prometheus scraping an exporter of Istio-shaped metrics.
import { gateQueries, judgeGates } from '../../src/traffic/canary';
import { queryGateMetrics, queryScalar } from '../../src/traffic/prometheus';
import { startIstioExporter, startPrometheus, type IstioExporter, type RunningPrometheus } from '../support/prometheus';

jest.setTimeout(60_000);

let exporter: IstioExporter;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  exporter = await startIstioExporter();
  exporter.set('shop', 'healthy', 'v2', { rps: 20, errorRate: 0, latencyMs: 12 });
  exporter.set('shop', 'erroring', 'v2', { rps: 20, errorRate: 0.2, latencyMs: 12 });
  exporter.set('shop', 'slow', 'v2', { rps: 20, errorRate: 0, latencyMs: 800 });
  prometheus = await startPrometheus([exporter.url]);
});
afterAll(async () => {
  await prometheus?.close();
  await exporter?.close();
});

async function measureOf(service: string) {
  const q = gateQueries(service, 'shop', 'v2', 10);
  // rate() needs two scrapes inside the window: wait until Prometheus has them.
  for (let i = 0; i < 100 && !((await queryScalar(prometheus.url, q.requests)) ?? 0); i++) await new Promise((r) => setTimeout(r, 200));
  return { ready: { ok: true, detail: 'web-v2 1/1' }, metrics: true, ...(await queryGateMetrics(prometheus.url, service, 'shop', 'v2', 10)) };
}

describe('canary gates against Prometheus', () => {
  it('pass a healthy subset: every request succeeded, p99 within the bucket of its latency', async () => {
    const measure = await measureOf('healthy');
    expect(measure.successRate).toBe(1);
    expect(measure.p99LatencyMs).toBeGreaterThan(10);
    expect(measure.p99LatencyMs).toBeLessThanOrEqual(25);
    expect(judgeGates(measure, 'v2', 10)).toEqual({ ok: true, summary: expect.stringMatching(/^success rate 100\.0%, p99 \d+ ms over 10s$/) });
  });

  it('fail a subset answering 20% 503s, and one whose p99 is above 500 ms, saying which bound', async () => {
    const erroring = await measureOf('erroring');
    expect(erroring.successRate).toBeCloseTo(0.8, 2);
    expect(judgeGates(erroring, 'v2', 10)).toEqual({ ok: false, reason: expect.stringMatching(/^success rate of v2 (79\.9|80\.0)% over 10s, below 99\.0%$/) });
    expect(judgeGates(await measureOf('slow'), 'v2', 10)).toEqual({ ok: false, reason: expect.stringMatching(/^p99 latency of v2 \d+ ms over 10s, above 500 ms$/) });
  });

  it('fail when no request reached the subset, and when the subset is not ready', async () => {
    const q = gateQueries('nobody', 'shop', 'v2', 10);
    expect(await queryScalar(prometheus.url, q.requests)).toBeUndefined();
    expect(judgeGates({ ready: { ok: true, detail: '' }, metrics: true }, 'v2', 10)).toEqual({ ok: false, reason: 'no requests reached v2 in the last 10s, so its success rate cannot be judged' });
    expect(judgeGates({ ready: { ok: false, detail: 'web-v2 0/1' }, metrics: false }, 'v2', 10)).toEqual({ ok: false, reason: 'v2 is not ready: web-v2 0/1' });
  });

  it('turn a Prometheus that refuses the query into one line naming it', async () => {
    await expect(queryScalar(prometheus.url, 'sum(')).rejects.toThrow(/^the app's Prometheus at http:\/\/127\.0\.0\.1:\d+ refused a gate query \(HTTP 400: .*\)$/);
  });
});
