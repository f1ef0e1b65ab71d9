// The README's test command: type-check, bundle, then every jest suite (unit and real-cluster integration).
// Before jest it builds (first time: tens of minutes, cached in ~/.cache/mesh) and starts the local control
// plane, so jest's global setup only connects; the cluster stops again afterwards unless something else
// (a `mesh cluster up`, another test run) keeps it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function run(label, cmd, args, env = process.env) {
  process.stderr.write(`\n== ${label}\n`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', env });
  return result.status ?? 1;
}

function step(label, cmd, args, env) {
  const status = run(label, cmd, args, env);
  if (status !== 0) {
    process.stderr.write(`\n== ${label} failed (exit ${status})\n`);
    process.exit(status);
  }
}

const jestArgs = process.argv.slice(2);
const projectsFlag = jestArgs.indexOf('--selectProjects');
const wantsIntegration = projectsFlag < 0 || jestArgs.slice(projectsFlag + 1).includes('integration');
const useLocalCluster = wantsIntegration && !process.env.MESH_TEST_KUBECONFIG;
const holder = ['--holder', String(process.pid)];
// Two local clusters: the default one runs real Istio (istiod is its sidecar injector); "mesh-free" runs none,
// for the suites that install mesh's own injector webhook and must not have istiod's answer too.
const meshFreeEnv = { ...process.env, MESH_CLUSTER_NAME: 'mesh-free' };

step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
// The Git server the app tests fetch from is Git's own git-http-backend (Debian's git package).
step('git for the test Git server (installed only when missing)', 'sh', ['scripts/ensure-git.sh']);
step('build', process.execPath, ['scripts/build.mjs']);
if (useLocalCluster) {
  step('local control plane with Istio (mesh cluster up)', process.execPath, ['bin/mesh.cjs', 'cluster', 'up', ...holder]);
  step('local control plane without Istio (MESH_CLUSTER_NAME=mesh-free mesh cluster up --no-istio)', process.execPath,
    ['bin/mesh.cjs', 'cluster', 'up', '--no-istio', ...holder], meshFreeEnv);
}
// Go's own text/template with Istio's func map, the reference for src/gotemplate (built once from the Istio
// module; if Istio is not built, the renderer suites fail saying so).
run('Go template oracle (scripts/istio/build-render-oracle.sh)', 'bash', ['scripts/istio/build-render-oracle.sh']);
const resultsFile = path.join(mkdtempSync(path.join(tmpdir(), 'mesh-test-')), 'jest-results.json');
const jestStatus = run('jest', 'npx', ['jest', '--ci', '--json', `--outputFile=${resultsFile}`, ...jestArgs]);
if (useLocalCluster) {
  run('local control plane (release)', process.execPath, ['bin/mesh.cjs', 'cluster', 'release', ...holder]);
  run('local control plane without Istio (release)', process.execPath, ['bin/mesh.cjs', 'cluster', 'release', ...holder], meshFreeEnv);
}
if (jestStatus !== 0) process.stderr.write(`\n== jest failed (exit ${jestStatus})\n`);
// One plain closing line, so a reader (or CI) sees the totals without knowing jest's summary format.
try {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  process.stdout.write(`\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed\n`);
} catch {
  process.stdout.write('\njest: no results (jest did not finish)\n');
}
rmSync(path.dirname(resultsFile), { recursive: true, force: true });
process.exit(jestStatus);
