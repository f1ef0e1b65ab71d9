/**
 * Entry of dist/kube-inject.cjs, which bin/mesh.cjs loads for `mesh kube-inject` instead of the whole CLI
 * bundle: istioctl kube-inject is measured against by its peak memory, and merely loading the CLI bundle (every
 * command, Bolt, isomorphic-git) cost as much as istioctl's whole run. @kubernetes/client-node stays a separate
 * file (dist/client-node.cjs), loaded only when a kubeconfig is used.
 */
import { processIO } from './io';
import { kubeInjectCommand } from './kube-inject-command';
import { exitWith, runCommand } from './run-command';

export function runCli(): void {
  exitWith(runCommand(kubeInjectCommand, process.argv.slice(3), processIO()));
}
