// The README's test command: type-check, bundle, then every jest suite (unit and real-cluster integration).
// Before jest it builds (first time: tens of minutes, cached in ~/.cache/mesh) and starts the local control
// plane, so jest's global setup only connects; the cluster stops again afterwards unless something else
// (a `mesh cluster up`, another test run) keeps it.
import { spawnSync } from 'node:child_process';

function run(label, cmd, args) {
  process.stderr.write(`\n== ${label}\n`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  return result.status ?? 1;
}

function step(label, cmd, args) {
  const status = run(label, cmd, args);
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

step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
step('build', process.execPath, ['scripts/build.mjs']);
if (useLocalCluster) {
  step('local control plane (mesh cluster up)', process.execPath, ['bin/mesh.cjs', 'cluster', 'up', ...holder]);
}
const jestStatus = run('jest', 'npx', ['jest', '--ci', ...jestArgs]);
if (useLocalCluster) run('local control plane (release)', process.execPath, ['bin/mesh.cjs', 'cluster', 'release', ...holder]);
if (jestStatus !== 0) process.stderr.write(`\n== jest failed (exit ${jestStatus})\n`);
process.exit(jestStatus);
