// An app of 1,500 objects (800 ConfigMaps, 400 Secrets, 100 ServiceAccounts, 100 Services, 100 Deployments) on
// the local cluster: `mesh deploy -f <dir>` (pre-flight, lock, apply, readiness of every object, history) against
// `kubectl apply --server-side -f <dir>` followed by `kubectl rollout status` for each Deployment — same cluster,
// same run, each into a fresh namespace. Then 9 more revisions (one ConfigMap changed each time): the history
// holds 10, and a rollback to the one before the last works.
import { loadTs } from '../bench-support/load-ts.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const name = 'an app of 1,500 objects (mesh deploy -f vs kubectl apply --server-side + rollout status)';

const COUNTS = { ConfigMap: 800, Secret: 400, ServiceAccount: 100, Service: 100, Deployment: 100 };

const loadCore = (dir) =>
  loadTs(
    dir,
    'core',
    `export * from './src/rollout';
     export { readHistory, rollbackTarget } from './src/rollout/record';
     export { clusterUp, releaseCluster } from './src/cluster/cluster';
     export { binaryPath } from './src/cluster/versions';
     export { deleteObject } from './src/kube/objects';`,
  );

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** One file per kind, as an app's repository might hold them; `revision` changes one ConfigMap. */
function writeApp(dir, revision) {
  mkdirSync(dir, { recursive: true });
  const docs = (kind, make) => Array.from({ length: COUNTS[kind] }, (_, i) => make(i)).join('---\n');
  writeFileSync(path.join(dir, 'configmaps.yaml'), docs('ConfigMap', (i) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\ndata:\n  LOG_LEVEL: info\n  FEATURE: "${i === 0 ? `revision-${revision}` : 'on'}"\n`));
  writeFileSync(path.join(dir, 'secrets.yaml'), docs('Secret', (i) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: credentials-${i}\ntype: Opaque\nstringData:\n  token: "token-${i}"\n`));
  writeFileSync(path.join(dir, 'serviceaccounts.yaml'), docs('ServiceAccount', (i) =>
    `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: svc-${i}\n`));
  writeFileSync(path.join(dir, 'services.yaml'), docs('Service', (i) =>
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  selector: {app: svc-${i}}\n  ports:\n  - port: 80\n`));
  writeFileSync(path.join(dir, 'deployments.yaml'), docs('Deployment', (i) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-${i}\nspec:\n  selector:\n    matchLabels: {app: svc-${i}}\n  template:\n    metadata:\n      labels: {app: svc-${i}}\n    spec:\n      serviceAccountName: svc-${i}\n      containers:\n      - name: app\n        image: nginx:1.27\n        envFrom:\n        - configMapRef: {name: settings-${i}}\n`));
}

const filesOf = (dir) => readdirSync(dir).sort().map((f) => ({ file: path.join(path.basename(dir), f), text: readFileSync(path.join(dir, f), 'utf8') }));

async function meshDeploy(core, kc, namespace, dir, extra = {}) {
  const begin = Date.now();
  const state = core.startRollout({ app: 'big', files: filesOf(dir), namespace, holder: 'bench', command: 'bench', ...extra });
  const final = await core.runRollout(state, { kc, emit: () => undefined });
  if (final.phase !== 'finished') throw new Error(`mesh rollout ${final.phase}: ${final.error?.message}`);
  return Date.now() - begin;
}

function kubectlDeploy(core, kubeconfig, namespace, dir) {
  const kubectl = core.binaryPath('kubectl');
  const lines = [
    'set -euo pipefail',
    `kubectl() { "${kubectl}" --kubeconfig "${kubeconfig}" -n "${namespace}" "$@"; }`,
    `kubectl apply --server-side -f "${dir}" >/dev/null`,
    ...Array.from({ length: COUNTS.Deployment }, (_, i) => `kubectl rollout status deployment/svc-${i} --timeout=300s >/dev/null`),
  ];
  const script = path.join(path.dirname(dir), `kubectl-${namespace}.sh`);
  writeFileSync(script, `${lines.join('\n')}\n`);
  spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'create', 'namespace', namespace]);
  const begin = Date.now();
  const result = spawnSync('bash', [script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl script failed: ${result.stderr}`);
  return Date.now() - begin;
}

export default async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-big-'));
  const core = await loadCore(dir);
  const up = await core.clusterUp({ holder: process.pid, istio: false, progress: () => undefined });
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(up.state.kubeconfig);
  const app = path.join(dir, 'big');
  const id = Date.now().toString(36);
  const meshNs = `bench-big-mesh-${id}`;
  const kubectlNs = `bench-big-kubectl-${id}`;
  try {
    writeApp(app, 1);
    const objects = Object.values(COUNTS).reduce((a, b) => a + b, 0);
    // kubectl first, mesh second, each into its own namespace. The kubectl namespace is deleted only at the end:
    // deleting it here would have the namespace controller remove its 1,500 objects and 100 pods while mesh runs.
    const kubectl = kubectlDeploy(core, up.state.kubeconfig, kubectlNs, app);
    const mesh = await meshDeploy(core, kc, meshNs, app);
    const redeploys = [];
    for (let revision = 2; revision <= 10; revision += 1) {
      writeApp(app, revision);
      redeploys.push(await meshDeploy(core, kc, meshNs, app));
    }
    const history = await core.readHistory(kc, meshNs, 'big');
    const { target, prune } = core.rollbackTarget(history, undefined);
    const begin = Date.now();
    const rolledBack = core.startRollout({
      app: 'big', namespace: meshNs, holder: 'bench', command: 'bench rollback', source: { source: target.source, stageNames: [] }, prune, rollbackTo: target.revision,
    });
    const final = await core.runRollout(rolledBack, { kc, emit: () => undefined });
    const rollback = Date.now() - begin;
    if (final.phase !== 'finished') throw new Error(`rollback ${final.phase}: ${final.error?.message}`);
    const after = await core.readHistory(kc, meshNs, 'big');
    const ratio = mesh / kubectl;
    return [
      `${objects} objects (${Object.entries(COUNTS).map(([k, n]) => `${n} ${k}s`).join(', ')}), 1 replica each, kwok ready delay ${up.state.readyDelayMs} ms, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
      `kubectl apply --server-side -f <dir> + kubectl rollout status per Deployment: ${s(kubectl)}`,
      `mesh deploy -f <dir> (pre-flight dry-run of every object, lock, apply, readiness of every object, history): ${s(mesh)}`,
      `mesh / kubectl: ${ratio.toFixed(2)}× (target ≤ 1.0×: ${ratio <= 1 ? 'met' : 'NOT met'})`,
      `9 more revisions (one ConfigMap changed each): median ${s([...redeploys].sort((a, b) => a - b)[4])} each`,
      `history: ${history.length} revisions kept (#${history.at(-1).revision}–#${history[0].revision}, ${history[0].objects.length} objects each); rollback to #${target.revision}: ${final.phase} in ${s(rollback)}, now #${after[0].revision} "rollback to #${after[0].rollbackTo}"`,
    ];
  } finally {
    for (const ns of [meshNs, kubectlNs]) await core.deleteObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
    await core.releaseCluster(process.pid).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
