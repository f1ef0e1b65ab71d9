// `/mesh inject guestbook` through the cluster's own injector: the six guestbook workloads sent to the live
// istiod's webhook of the local cluster (one AdmissionReview per pod, all at once), as the Slack and console doors
// do. Target: under 1 s. Peers in the same run: istioctl kube-inject (which asks the same webhook, one pod after
// the other) on the same files, and mesh's built-in engine (no network).
import { loadTs } from '../bench-support/load-ts.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const name = 'mesh inject through the cluster\'s injector (src/injector)';

const RUNS = 7;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export default async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-cluster-inject-'));
  try {
    const m = await loadTs(dir, 'cluster-inject', `
      export { resolveInjectionSource, builtinSource } from './src/injector/resolve';
      export { injectionSettings } from './src/inject';
      export { appFiles } from './src/rollout/catalog';
      export { isManifestFile } from './src/rollout/app-files';
      export { localClusterKubeconfig } from './src/cluster/cluster';
      export { istioBinaryPath } from './src/cluster/versions';
      export { resolveKubeConfig } from './src/kube/config';`);
    const kubeconfig = m.localClusterKubeconfig();
    if (!kubeconfig) return ['skipped: needs the local cluster with istiod (`mesh cluster up`)'];
    const kc = await m.resolveKubeConfig({ kubeconfig, env: process.env });
    const files = Object.entries(m.appFiles('guestbook')).filter(([f]) => m.isManifestFile(f));
    const injectAll = async (source) => {
      const results = [];
      for (const [file, text] of files) results.push(await source.inject(text, file));
      return results;
    };
    const first = await m.resolveInjectionSource({ kc });
    if (first.kind !== 'webhook') return [`skipped: the local cluster has no injector webhook (source: ${first.description})`];
    const workloads = (await injectAll(first)).flatMap((r) => r.workloads).filter((w) => w.injected).length;
    const timings = { mesh: [], builtin: [], istioctl: [] };
    const builtin = m.builtinSource(m.injectionSettings(), 'bench');
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      // Resolution included: a door resolves the source per command.
      await injectAll(await m.resolveInjectionSource({ kc }));
      timings.mesh.push(performance.now() - t);
      t = performance.now();
      await injectAll(builtin);
      timings.builtin.push(performance.now() - t);
    }
    const istioctl = m.istioBinaryPath('istioctl');
    if (existsSync(istioctl)) {
      const all = path.join(dir, 'guestbook.yaml');
      writeFileSync(all, files.map(([, text]) => (text.endsWith('\n') ? text : `${text}\n`)).join('---\n'));
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const r = spawnSync(istioctl, ['kube-inject', '-f', all], { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0) throw new Error(`istioctl kube-inject failed: ${r.stderr.slice(-300)}`);
        timings.istioctl.push(performance.now() - t);
      }
    }
    const mesh = median(timings.mesh);
    const lines = [
      `guestbook: ${files.length} files, ${workloads} workloads injected by ${first.description}`,
      `mesh, through the webhook (median of ${RUNS}): ${mesh.toFixed(0)} ms — target < 1000 ms: ${mesh < 1000 ? 'met' : 'NOT met'}`,
      `mesh built-in engine, no network: ${median(timings.builtin).toFixed(0)} ms`,
    ];
    if (timings.istioctl.length) {
      const theirs = median(timings.istioctl);
      lines.push(`istioctl kube-inject through the same webhook (process): ${theirs.toFixed(0)} ms; mesh = ${(mesh / theirs).toFixed(2)}× istioctl`);
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
