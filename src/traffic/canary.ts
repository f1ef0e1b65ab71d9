// A canary release, pure: the progression's JSON state (one bounded step at a time, run by src/jobs), the weights
// of each step, and the gates — the target subset's workloads ready and, when the app names a Prometheus, Istio's
// request metrics for that subset over the interval: success rate and p99 latency within bounds.
import type { Route } from './plan';

export const DEFAULT_STEPS = [10, 25, 50, 100];
export const DEFAULT_INTERVAL_SECONDS = 120;
/** Requests to the canary that must not be 5xx, and the latency its p99 must stay under. */
export const GATE_BOUNDS = { minSuccessRate: 0.99, maxP99LatencyMs: 500 };

export type CanaryPhase = 'shift' | 'judge' | 'finished' | 'failed' | 'cancelled';

export interface CanaryState {
  /** `<namespace>.<service>.canary-<hash>`: the id `/mesh cancel` and the Cancel button name. */
  id: string;
  app: string;
  service: string;
  namespace: string;
  cluster?: string;
  target: string;
  stable: string;
  steps: number[];
  intervalSeconds: number;
  prometheus?: string;
  /** Index into `steps` of the weight in place (-1: none yet). */
  index: number;
  phase: CanaryPhase;
  /** The Service's routes before the canary, recorded with its outcome in the history. */
  initial?: Route[];
  /** When the current step's gates are judged (ms since the epoch). */
  judgeAt?: number;
  reason?: string;
  requester: string;
  channel: string;
  parentTs?: string;
  startedAt: number;
}

/** The weights of a step: the target's share, the rest on the stable subset. */
export function stepWeights(state: Pick<CanaryState, 'target' | 'stable'>, weight: number): Record<string, number> {
  return weight >= 100 ? { [state.target]: 100 } : { [state.target]: weight, [state.stable]: 100 - weight };
}

/** The subset traffic returns to: the one with the largest share now other than the target (ties: the first by name). */
export function stableSubset(subsets: readonly string[], current: readonly Route[] | undefined, target: string): string | undefined {
  const others = subsets.filter((s) => s !== target);
  const weightOf = (s: string) => current?.find((r) => r.subset === s)?.weight ?? 0;
  return [...others].sort((a, b) => weightOf(b) - weightOf(a) || a.localeCompare(b))[0];
}

export function isCanaryOver(state: CanaryState): boolean {
  return state.phase === 'finished' || state.phase === 'failed' || state.phase === 'cancelled';
}

/** What a gate evaluation measured for the target subset over the interval (undefined: no data). */
export interface GateMeasure {
  ready: { ok: boolean; detail: string };
  requests?: number;
  successRate?: number;
  p99LatencyMs?: number;
  /** The app declares no metrics source: only readiness is judged. */
  metrics: boolean;
}

export function judgeGates(measure: GateMeasure, subset: string, intervalSeconds: number, bounds = GATE_BOUNDS): { ok: true; summary: string } | { ok: false; reason: string } {
  if (!measure.ready.ok) return { ok: false, reason: `${subset} is not ready: ${measure.ready.detail}` };
  if (!measure.metrics) return { ok: true, summary: `${subset} ready (${measure.ready.detail}); no metrics source declared` };
  const window = `${intervalSeconds}s`;
  if (!measure.requests) return { ok: false, reason: `no requests reached ${subset} in the last ${window}, so its success rate cannot be judged` };
  const rate = measure.successRate ?? 0;
  if (rate < bounds.minSuccessRate) return { ok: false, reason: `success rate of ${subset} ${percent(rate)} over ${window}, below ${percent(bounds.minSuccessRate)}` };
  const p99 = measure.p99LatencyMs;
  if (p99 !== undefined && p99 > bounds.maxP99LatencyMs) return { ok: false, reason: `p99 latency of ${subset} ${Math.round(p99)} ms over ${window}, above ${bounds.maxP99LatencyMs} ms` };
  return { ok: true, summary: `success rate ${percent(rate)}, p99 ${p99 === undefined ? 'n/a' : `${Math.round(p99)} ms`} over ${window}` };
}

const percent = (x: number) => `${(Math.floor(x * 1000) / 10).toFixed(1)}%`;

/** Istio's standard metrics of requests to one subset of a Service, as the destination's proxy reports them. */
export function gateQueries(service: string, namespace: string, subset: string, intervalSeconds: number): { requests: string; successRate: string; p99LatencyMs: string } {
  const match = `reporter="destination",destination_service="${service}.${namespace}.svc.cluster.local",destination_version="${subset}"`;
  const window = `[${intervalSeconds}s]`;
  return {
    requests: `sum(increase(istio_requests_total{${match}}${window}))`,
    successRate: `sum(rate(istio_requests_total{${match},response_code!~"5.."}${window})) / sum(rate(istio_requests_total{${match}}${window}))`,
    p99LatencyMs: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${match}}${window})))`,
  };
}
