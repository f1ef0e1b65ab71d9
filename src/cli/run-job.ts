// The CLI's commands that read or change a cluster run the job chat runs (src/jobs), in-process with the same
// `stepJob` loop as the console (src/jobs/local-runner.ts), reported as text (text-reporter.ts). The CLI acts with
// the user's own credentials: its kubeconfig (--kubeconfig, KUBECONFIG, the local cluster) or the registry's
// clusters, and no policy, grants or protections.
import os from 'node:os';
import { appsFromEnv } from '../apps';
import { clusterResolver } from '../apps/clusters';
import { istioSwitches } from '../config';
import type { CliJobOptions, Job, JobCommand } from '../jobs/job';
import { localRunner } from '../jobs/local-runner';
import type { JobDeps } from '../jobs/state';
import type { CliIO } from './io';
import { commandKubeConfig } from './kubeconfig';
import { textReporter } from './text-reporter';

export interface CliJob {
  /** The CLI command (`deploy`), for the command line and error lines. */
  name: string;
  /** The command's arguments as typed, for the lock and the history. */
  args: string[];
  command: JobCommand;
  namespace?: string;
  kubeconfig?: string;
  /** What the CLI's flags add to the chat command (`-f`, `--timeout`, `--allow-cluster-resources`). */
  options?: Omit<CliJobOptions, 'holder' | 'commandLine'>;
}

/** Runs the job to its end and returns the exit code (text-reporter.ts `exitCode`). */
export async function runCliJob(request: CliJob, io: CliIO): Promise<number> {
  const apps = appsFromEnv(io.env);
  let own: Promise<Awaited<ReturnType<typeof commandKubeConfig>>> | undefined;
  const ownKubeConfig = () => (own ??= commandKubeConfig(request.kubeconfig, io));
  const reporter = textReporter(request.name, io);
  let crashed: string | undefined;
  const deps: JobDeps = {
    reporter,
    kube: clusterResolver(() => apps.registry, io.env, ownKubeConfig),
    // `mesh apps` without named clusters lists what the user's own cluster has, if there is one.
    peekKube: () => ownKubeConfig().catch(() => undefined),
    apps: () => apps,
    now: Date.now,
    // COMPLIANCE_POLICY, read here at the door as istioctl reads it.
    istio: istioSwitches(io.env),
    // The runner's last resort: the job stopped outside its own error handling (it says so on this log only).
    log: (line) => {
      const entry = JSON.parse(line) as { event?: string; error?: string };
      if (entry.event === 'crashed') crashed = entry.error;
    },
  };
  const commandLine = ['mesh', request.name, ...request.args].join(' ');
  const user = os.userInfo().username;
  const job: Job = {
    id: `mesh-cli-${request.command.kind}-${process.pid}-${Date.now()}`,
    command: request.command,
    text: [request.name, ...request.args].join(' '),
    ...(request.namespace ? { namespace: request.namespace } : {}),
    user,
    channel: 'cli',
    requestedAt: Date.now(),
    cli: { holder: `${user}@${os.hostname()} (mesh CLI, pid ${process.pid})`, commandLine, ...request.options },
  };
  const runner = localRunner(deps);
  try {
    await runner.start(job);
    await runner.idle();
  } finally {
    reporter.stop();
  }
  if (crashed !== undefined) {
    io.stderr(`mesh ${request.name}: unexpected error: ${crashed}\n`);
    return 2;
  }
  return reporter.exitCode(runner.states.get(job.id)!);
}
