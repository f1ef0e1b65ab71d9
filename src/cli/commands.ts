import type { CliCommand } from './run-command';
import { kubeInjectCommand } from './kube-inject-command';

export type { CliCommand } from './run-command';

// Each command lives in its own file under src/cli/; add one line here per command.
export const commands: CliCommand[] = [
  kubeInjectCommand,
  {
    name: 'cluster',
    usage: 'mesh cluster up [--no-istio|--canary]|down|status|kubeconfig',
    summary: 'Run the local Kubernetes control plane (etcd, kube-apiserver, kcm, scheduler, kwok) built from Go modules',
    load: () => import('./cluster'),
  },
  {
    name: 'deploy',
    usage: 'mesh deploy <app> | -f <file-or-dir> [-f …] [-n <namespace>] [--cluster <name>] [--inject] [--plan] [--allow-cluster-resources] [--timeout <duration>] [--kubeconfig <path>]',
    summary: 'Roll out a catalog app (or plain manifests) stage by stage, waiting until each stage is ready; --plan shows what would change',
    load: () => import('./deploy'),
  },
  {
    name: 'history',
    usage: 'mesh history <app> [-n <namespace>] [--cluster <name>] [--kubeconfig <path>]',
    summary: 'List the recorded revisions of an app (who, when, commit, plan, outcome, approvals)',
    load: () => import('./history'),
  },
  {
    name: 'rollback',
    usage: 'mesh rollback <app> [-n <namespace>] [--to <revision>] [--plan] [--allow-cluster-resources] [--cluster <name>] [--kubeconfig <path>]',
    summary: 'Deploy an earlier revision again (default: the last that succeeded before the current), deleting what newer ones added',
    load: () => import('./rollback'),
  },
  {
    name: 'shift',
    usage: 'mesh shift <app>[.<service>] <subset>=<percent>… [-n <namespace>] [--plan] [--cluster <name>] [--kubeconfig <path>]',
    summary: "Route that share of the Service's traffic to the subset of workloads labelled version=<subset> (mesh's DestinationRule and VirtualService); undone by mesh rollback",
    load: () => import('./shift'),
  },
  {
    name: 'apps',
    usage: 'mesh apps [--kubeconfig <path>]',
    summary: 'List the apps of the registry (MESH_APPS / MESH_APPS_FILE, plus the built-in catalog), where each comes from, the clusters, and what is deployed where',
    load: () => import('./apps'),
  },
  {
    name: 'policy',
    usage: 'mesh policy check [--policy <file>] [--apps <file>]',
    summary: 'Read the Slack policy with the app registry: report rules that can never match or grant more than the registry allows (exit 1 on findings)',
    load: () => import('./policy-check'),
  },
  {
    name: 'status',
    usage: 'mesh status <app> [-n <namespace>] [--cluster <name>] [--kubeconfig <path>]',
    summary: "Show each stage's and workload's readiness, and any rollout in progress",
    load: () => import('./status'),
  },
  {
    name: 'autoinject',
    usage: 'mesh autoinject enable|disable|status|restart <namespace> [--revision <rev>] [--restart] [-o json] [--kubeconfig <path>]',
    summary: 'Turn namespace sidecar auto-injection on or off, proven by a dry-run probe pod; show coverage; restart workloads',
    load: () => import('./autoinject'),
  },
  {
    name: 'webhook',
    usage:
      'mesh webhook install [--signer <name>] [--namespace istio-system] [--service <name>] [--secret <name>] [--config-name <name>] [--revision <rev>] [--url <https-url>] [--ip <addr>] [--failure-policy Fail|Ignore] [--timeout-seconds <n>] [--kubeconfig <path>] | mesh webhook serve --cert <pem> --key <pem> [--port 15017] [--host <addr>] [--valuesFile <yaml>] [--meshConfigFile <yaml>]',
    summary: "Issue the injector webhook's certificate through the CSR API and register it; or run mesh's injector webhook",
    load: () => import('./webhook'),
  },
  {
    name: 'rbac',
    usage:
      'mesh rbac generate [--registry <file>] [--cluster <name>] [-n|--namespace <ns> …] [--name mesh-bot] [--group mesh-bot] [--service-account <ns>/<name>] [--istio-namespace istio-system] [--history-namespace mesh-system] | mesh rbac install-role [--signer <name>] [--group mesh-installers] [--service-account <ns>/<name>] [--namespace istio-system] [--secret <name>] [--config-name <name>]',
    summary: "Print the bot's RBAC generated from the registry (a Role per app namespace), or the install role a human applies once for the webhook",
    load: () => import('./rbac'),
  },
  {
    name: 'console',
    usage: 'mesh console [--policy <file>] [--audit]',
    summary: 'Type /mesh commands as in Slack; the same signed handler and job runner, Slack messages shown as text (npm start)',
    load: () => import('./console'),
  },
];
