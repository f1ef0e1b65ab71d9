// The Prometheus HTTP API, as much as the canary gates need: one instant query, one scalar back.
import { UserError } from '../errors';
import { gateQueries } from './canary';

/** The value of an instant query's single sample; undefined when it has none (or NaN: no requests to divide by). */
export async function queryScalar(baseUrl: string, promql: string, timeoutMs = 10_000): Promise<number | undefined> {
  const url = `${baseUrl.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UserError(`the app's Prometheus at ${baseUrl} did not answer: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => undefined)) as { status?: string; error?: string; data?: { result?: { value?: [number, string] }[] } } | undefined;
  if (!res.ok || body?.status !== 'success') throw new UserError(`the app's Prometheus at ${baseUrl} refused a gate query (HTTP ${res.status}${body?.error ? `: ${body.error}` : ''})`);
  const value = body.data?.result?.[0]?.value?.[1];
  const number = value === undefined ? NaN : Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** The three gate measures of a subset over the interval, queried at once: requests, success rate, p99 latency. */
export async function queryGateMetrics(baseUrl: string, service: string, namespace: string, subset: string, intervalSeconds: number): Promise<{ requests?: number; successRate?: number; p99LatencyMs?: number }> {
  const q = gateQueries(service, namespace, subset, intervalSeconds);
  const [requests, successRate, p99LatencyMs] = await Promise.all([queryScalar(baseUrl, q.requests), queryScalar(baseUrl, q.successRate), queryScalar(baseUrl, q.p99LatencyMs)]);
  return { ...(requests !== undefined ? { requests } : {}), ...(successRate !== undefined ? { successRate } : {}), ...(p99LatencyMs !== undefined ? { p99LatencyMs } : {}) };
}
