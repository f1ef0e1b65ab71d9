/**
 * Entry of dist/kube-inject.cjs, which bin/mesh.cjs loads for `mesh kube-inject` instead of the whole CLI
 * bundle: istioctl kube-inject is measured against by its peak memory, and merely loading the CLI bundle (every
 * command, Bolt, isomorphic-git) cost as much as istioctl's whole run. @kubernetes/client-node stays a separate
 * file (dist/client-node.cjs), loaded only when a kubeconfig is used.
 */
import { setFlagsFromString } from 'node:v8';
import { processIO } from './io';
import { kubeInjectCommand } from './kube-inject-command';
import { exitWith, runCommand } from './run-command';

export function runCli(): void {
  // V8 doubles the young generation (up to 2 × 16 MiB) each time enough objects outlive a scavenge, which a large
  // file's accumulating output does: the process's peak grew by 30 MiB for nothing it kept. Kept at its initial
  // size, the peak is that much lower at no cost in time (measured: docs/benchmarks.md, "inject"). The flag is read
  // on every growth, so setting it now, before the engine runs, takes effect; other commands keep V8's default.
  setFlagsFromString('--semi-space-growth-factor=1');
  exitWith(runCommand(kubeInjectCommand, process.argv.slice(3), processIO()));
}
