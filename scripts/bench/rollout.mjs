// Staged rollout of the guestbook on the local cluster (fixed kwok ready delay): mesh's wall time against
// the ideal (per stage, first apply to last pod Ready, summed) and against the workshop procedure as a shell
// script (`kubectl apply` + `kubectl rollout status` per stage, with the kubectl built into the cache).
import { loadTs } from '../bench-support/load-ts.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const name = 'staged rollout (mesh deploy guestbook)';

const RUNS = 5;

const loadCore = (dir) =>
  loadTs(
    dir,
    'core',
    `export * from './src/rollout';
     export { clusterUp, releaseCluster } from './src/cluster/cluster';
     export { binaryPath } from './src/cluster/versions';
     export { watchCollection } from './src/kube/watch';
     export { deleteObject } from './src/kube/objects';`,
  );

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** Records when this process first sees each pod Ready (ms precision; the API's own times are whole seconds). */
function watchPodReady(core, kc, namespace) {
  const readyAt = new Map();
  const watch = core.watchCollection(kc, { apiVersion: 'v1', kind: 'Pod', namespace }, {
    onChange: (pods) => {
      for (const pod of pods) {
        const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
        if (ready && !readyAt.has(pod.metadata.name)) readyAt.set(pod.metadata.name, { at: Date.now(), app: pod.metadata.labels?.app });
      }
    },
  });
  return { readyAt, stop: () => watch.stop() };
}

async function meshRun(core, kc, namespace) {
  const events = [];
  const pods = watchPodReady(core, kc, namespace);
  const begin = Date.now();
  const state = core.startRollout({ app: 'guestbook', namespace, holder: 'bench', command: 'bench' });
  const final = await core.runRollout(state, { kc, emit: (e) => events.push(e) });
  const wall = Date.now() - begin;
  pods.stop();
  if (final.phase !== 'finished') throw new Error(`rollout ${final.phase}: ${final.error?.message}`);
  const plan = core.loadApp('guestbook');
  const at = (type, stage) => Date.parse(events.find((e) => e.type === type && (stage === undefined || e.stage === stage)).at);
  let ideal = 0;
  let lag = 0;
  let gaps = at('stage-started', plan.stages[0].name) - begin + (at('finished') - at('stage-done', plan.stages.at(-1).name));
  plan.stages.forEach((stage, i) => {
    const apps = new Set(stage.documents.filter((d) => d.object.kind === 'Deployment').map((d) => d.object.spec.template.metadata.labels.app));
    // The stage's apply starts when the engine announces it, just before its first request.
    const applyStart = Date.parse(events.find((e) => e.type === 'stage-started' && e.stage === stage.name).at);
    const lastReady = Math.max(...[...pods.readyAt.values()].filter((p) => apps.has(p.app)).map((p) => p.at));
    ideal += lastReady - applyStart;
    lag += at('stage-done', stage.name) - lastReady;
    if (i > 0) gaps += applyStart - at('stage-done', plan.stages[i - 1].name);
  });
  return { wall, ideal, lag, gaps };
}

function kubectlScript(core, kubeconfig, namespace, dir) {
  const kubectl = core.binaryPath('kubectl');
  const plan = core.loadApp('guestbook');
  const lines = ['set -euo pipefail', `kubectl() { "${kubectl}" --kubeconfig "${kubeconfig}" -n "${namespace}" "$@"; }`];
  plan.stages.forEach((stage, i) => {
    const file = path.join(dir, `stage-${i}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: stage.documents.map((d) => d.object) }));
    lines.push(`kubectl apply -f "${file}" >/dev/null`);
    for (const d of stage.documents.filter((d) => d.object.kind === 'Deployment')) {
      lines.push(`kubectl rollout status deployment/${d.object.metadata.name} --timeout=120s >/dev/null`);
    }
  });
  const script = path.join(dir, 'seed.sh');
  writeFileSync(script, `${lines.join('\n')}\n`);
  const begin = Date.now();
  const result = spawnSync('bash', [script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl script failed: ${result.stderr}`);
  return Date.now() - begin;
}

export default async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-rollout-'));
  const core = await loadCore(dir);
  const up = await core.clusterUp({ holder: process.pid, progress: () => undefined });
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(up.state.kubeconfig);
  const created = [];
  try {
    const mesh = [];
    const script = [];
    for (let i = 0; i < RUNS; i += 1) {
      const ns = `bench-mesh-${Date.now().toString(36)}-${i}`;
      created.push(ns);
      mesh.push(await meshRun(core, kc, ns));
      const ns2 = `bench-kubectl-${Date.now().toString(36)}-${i}`;
      created.push(ns2);
      spawnSync(core.binaryPath('kubectl'), ['--kubeconfig', up.state.kubeconfig, 'create', 'namespace', ns2]);
      script.push(kubectlScript(core, up.state.kubeconfig, ns2, dir));
    }
    const wall = median(mesh.map((m) => m.wall));
    const ideal = median(mesh.map((m) => m.ideal));
    const overhead = median(mesh.map((m) => m.wall - m.ideal));
    const kubectl = median(script);
    return [
      `guestbook, 3 stages, 6 Deployments + 5 Services, kwok ready delay ${up.state.readyDelayMs} ms, median of ${RUNS} runs, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
      `mesh deploy (pre-flight, lock, apply, watch-gated stages incl. Service endpoints): ${s(wall)}`,
      `ideal (sum per stage of apply start → last pod Ready, as watched at ms precision): ${s(ideal)}`,
      `overhead over ideal: ${s(overhead)} (target ≤ 0.50 s: ${overhead <= 500 ? 'met' : 'NOT met'})`,
      `  of which engine (pre-flight + lock before stage 1, stage-done → next apply, finish): ${s(median(mesh.map((m) => m.gaps)))}`,
      `  of which last pod Ready → stage judged ready (controllers updating Deployment status, EndpointSlices; watch latency): ${s(median(mesh.map((m) => m.lag)))}`,
      `kubectl apply + kubectl rollout status per stage (shell script): ${s(kubectl)} (mesh ${wall <= kubectl ? 'faster or equal' : 'SLOWER'})`,
    ];
  } finally {
    for (const ns of created) await core.deleteObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
    await core.releaseCluster(process.pid).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
