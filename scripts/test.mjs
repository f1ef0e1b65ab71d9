// The README's test command: type-check, lint, bundle, then every jest suite (unit and real-cluster integration).
// Before jest it builds (first time: tens of minutes, cached in ~/.cache/mesh) and starts the local control
// plane, so jest's global setup only connects; the cluster stops again afterwards unless something else
// (a `mesh cluster up`, another test run) keeps it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureLambdaNode } from './node22.mjs';

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
const wantsUnit = projectsFlag < 0 || jestArgs.slice(projectsFlag + 1).includes('unit');
// What ships runs on Lambda's nodejs22.x: the tests that load the built handlers (and the state machine
// executor, which needs Node 22) run again on Node 22, after the whole suite on the Node running this script.
const LAMBDA_RUNTIME_TESTS = [
  'test/slack/handler-bundle.test.ts',
  'test/slack/worker-bundle.test.ts',
  'test/aws/package.test.ts',
  'test/aws/state-machine.test.ts',
  'test/reliability/secrets.test.ts',
  'test/reliability/slack-payloads.test.ts',
  'test/reliability/commands.test.ts',
  'test/reliability/broken-policy.test.ts',
];
// The functions as deployed (docs/lambda-as-deployed.md): the packaged zips under the Lambda Runtime Interface
// Emulator with the official runtime client, on Node 22 only; its worker steps run on the local cluster.
const LAMBDA_AS_DEPLOYED_TESTS = ['test/integration/lambda-as-deployed.test.ts'];
const useLocalCluster = wantsIntegration && !process.env.MESH_TEST_KUBECONFIG;
const holder = ['--holder', String(process.pid)];
// Two local clusters: the default one runs real Istio (istiod is its sidecar injector); "mesh-free" runs none,
// for the suites that install mesh's own injector webhook and must not have istiod's answer too.
const meshFreeEnv = { ...process.env, MESH_CLUSTER_NAME: 'mesh-free' };

step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
step('lint (eslint.config.mjs, zero warnings)', 'npx', ['eslint', '--max-warnings', '0', '.']);
// The Git server the app tests fetch from is Git's own git-http-backend (Debian's git package).
step('git for the test Git server (installed only when missing)', 'sh', ['scripts/ensure-git.sh']);
step('build', process.execPath, ['scripts/build.mjs']);
process.stderr.write('\n== Node 22, the Lambda runtime (installed once into the mesh cache)\n');
const node22 = wantsUnit || wantsIntegration ? ensureLambdaNode() : undefined;
if (wantsIntegration) {
  step('the Lambda Runtime Interface Emulator and aws-lambda-ric (built once into the mesh cache)', process.execPath, ['scripts/lambda-emulator.mjs']);
}
if (useLocalCluster) {
  // --canary: a second istiod, Istio 1.30 as revision `canary`, so injection is checked against two versions.
  step('local control plane with Istio 1.31 and a 1.30 canary revision (mesh cluster up --canary)', process.execPath,
    ['bin/mesh.cjs', 'cluster', 'up', '--canary', ...holder]);
  step('local control plane without Istio (MESH_CLUSTER_NAME=mesh-free mesh cluster up --no-istio)', process.execPath,
    ['bin/mesh.cjs', 'cluster', 'up', '--no-istio', ...holder], meshFreeEnv);
}
// Go's own text/template with Istio's func map, the reference for src/gotemplate (built once from the Istio
// module; if Istio is not built, the renderer suites fail saying so).
run('Go template oracle (scripts/istio/build-render-oracle.sh)', 'bash', ['scripts/istio/build-render-oracle.sh']);
const resultsFile = path.join(mkdtempSync(path.join(tmpdir(), 'mesh-test-')), 'jest-results.json');
const jestStatus = run('jest', 'npx', ['jest', '--ci', '--json', `--outputFile=${resultsFile}`, ...jestArgs]);
if (jestStatus !== 0) process.stderr.write(`\n== jest failed (exit ${jestStatus})\n`);
let lambdaStatus = 0;
// Before the clusters are released: the as-deployed suite's worker steps need them.
if (node22) {
  const projects = [...(wantsUnit ? ['unit'] : []), ...(wantsIntegration ? ['integration'] : [])];
  const tests = [...(wantsUnit ? LAMBDA_RUNTIME_TESTS : []), ...(wantsIntegration ? LAMBDA_AS_DEPLOYED_TESTS : [])];
  lambdaStatus = run(`Lambda bundle tests on Node 22 (${node22})`, node22,
    ['node_modules/jest/bin/jest.js', '--ci', '--selectProjects', ...projects, '--runTestsByPath', ...tests]);
  if (lambdaStatus !== 0) process.stderr.write(`\n== Lambda bundle tests on Node 22 failed (exit ${lambdaStatus})\n`);
}
if (useLocalCluster) {
  run('local control plane (release)', process.execPath, ['bin/mesh.cjs', 'cluster', 'release', ...holder]);
  run('local control plane without Istio (release)', process.execPath, ['bin/mesh.cjs', 'cluster', 'release', ...holder], meshFreeEnv);
}
// One plain closing line, so a reader (or CI) sees the totals without knowing jest's summary format.
try {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  process.stdout.write(`\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed\n`);
} catch {
  process.stdout.write('\njest: no results (jest did not finish)\n');
}
process.stdout.write(node22 ? `Lambda bundle tests on Node 22: ${lambdaStatus === 0 ? 'passed' : 'FAILED'}\n` : '');
rmSync(path.dirname(resultsFile), { recursive: true, force: true });
process.exit(jestStatus || lambdaStatus);
