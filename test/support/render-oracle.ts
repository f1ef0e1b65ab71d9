/**
 * Go's own text/template with Istio's injection function map (scripts/istio/render-oracle), the reference
 * for mesh's renderer. Built on first use from the Istio module in the module cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

export interface OracleResult {
  out?: string;
  error?: string;
}

let binary: string | undefined;

export function renderOracleBinary(): string {
  if (!binary) {
    const script = path.join(__dirname, '../../scripts/istio/build-render-oracle.sh');
    binary = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  }
  return binary;
}

/** Renders every request with Go in one process; results in request order. */
export function renderWithGo(requests: object[]): OracleResult[] {
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const res = spawnSync(renderOracleBinary(), { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`render-oracle failed (${res.status}): ${res.stderr}`);
  const lines = res.stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== requests.length) throw new Error(`render-oracle answered ${lines.length} of ${requests.length} requests`);
  return lines.map((l) => JSON.parse(l) as OracleResult);
}
