import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';
import { appsFromEnv, resolveApp } from '../apps';
import { clusterKubeConfig, unreachableCluster } from '../apps/clusters';
import { checkTarget, describeRevision, gitFilesLoader, registeredScope, rolloutSourceOf } from '../apps/rollout';
import { istioSwitches } from '../config';
import { NO_EXTRA_SCOPE, type RolloutScope } from '../rollout/scope';
import { commandKubeConfig } from './kubeconfig';
import type { KubeConfig } from '@kubernetes/client-node';
import { runRollout, startRollout, type RolloutEvent, type RolloutState } from '../rollout';
import { planRollout } from '../rollout/planner';
import type { GitFilesLoader } from '../rollout/resolve';
import { planText } from './plan-text';
import { eventLines } from './rollout-text';
import { atMostOne, parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';
import { LiveRegion } from '../console/live-region';

interface DeployArgs {
  app?: string;
  files: string[];
  namespace: string;
  inject: boolean;
  timeoutMs?: number;
  kubeconfig?: string;
  cluster?: string;
  plan: boolean;
  allowClusterResources: boolean;
}

/**
 * What a CLI rollout may touch beyond its namespace: the app's registry limits (plain `-f` files: nothing),
 * or — with --allow-cluster-resources, for this run only — everything the user's own credentials allow.
 */
export function cliScope(command: string, allow: boolean, registered: () => RolloutScope | undefined): RolloutScope {
  if (allow) return { unrestricted: `mesh ${command} --allow-cluster-resources` };
  return registered() ?? { ...NO_EXTRA_SCOPE, owner: `mesh ${command} -f (without --allow-cluster-resources)` };
}

/** "90s", "5m", "1m30s", "500ms", "1h"; a bare number is seconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ms|s|m|h)/g, (_, n: string, unit: string) => {
    total += Number(n) * units[unit]!;
    return '';
  });
  if (rest !== '' || total <= 0) throw new UserError(`--timeout "${text}" is not a duration (e.g. 90s, 5m, 1m30s)`);
  return total;
}

function parseDeployArgs(args: string[]): DeployArgs {
  const { values, positionals } = parseCommandArgs(
    'deploy',
    args,
    {
      filename: { type: 'string', short: 'f', multiple: true, default: [] },
      namespace: { type: 'string', short: 'n', default: 'default' },
      inject: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      kubeconfig: { type: 'string' },
      cluster: { type: 'string' },
      plan: { type: 'boolean', default: false },
      'allow-cluster-resources': { type: 'boolean', default: false },
    },
    true,
  );
  refuseEmptyValues('deploy', values);
  const app = atMostOne('deploy', positionals);
  const files = values.filename;
  if (app !== undefined && files.length > 0) throw new UserError('give an app name or -f <file-or-dir>, not both');
  if (app === undefined && files.length === 0) throw new UserError('which app? usage: mesh deploy <app> | -f <file-or-dir>');
  return {
    app,
    files,
    namespace: values.namespace,
    inject: values.inject,
    timeoutMs: values.timeout === undefined ? undefined : parseDuration(values.timeout),
    kubeconfig: values.kubeconfig,
    cluster: values.cluster,
    plan: values.plan,
    allowClusterResources: values['allow-cluster-resources'],
  };
}

/** Files of `-f` arguments: a file as given, a directory's *.yaml / *.yml / *.json (sorted, not recursive). */
export function readManifestFiles(paths: string[], cwd: string): { file: string; text: string }[] {
  const files: { file: string; text: string }[] = [];
  for (const given of paths) {
    const full = path.resolve(cwd, given);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      throw new UserError(`-f ${given}: no such file or directory`);
    }
    const names = stat.isDirectory()
      ? readdirSync(full).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => path.join(given, f))
      : [given];
    for (const file of names) files.push({ file, text: readFileSync(path.resolve(cwd, file), 'utf8') });
  }
  if (files.length === 0) throw new UserError(`no manifest files in ${paths.join(', ')}`);
  return files;
}

/** The lock/status name of a plain manifest set: its first path's base name, as a DNS label. */
function nameForFiles(paths: string[]): string {
  const base = path.basename(path.resolve(paths[0]!)).replace(/\.(ya?ml|json)$/, '');
  return base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'manifests';
}

/**
 * Live progress for a terminal: each event's lines scroll as on a pipe, and below them a status block — the stage
 * being waited for, how many of its objects are ready, for how long and for which — redrawn in place.
 */
export function ttyRenderer(io: Pick<CliIO, 'stdout'>, columns: () => number = () => process.stdout.columns || 80): { onEvent: (e: RolloutEvent) => void; stop: () => void } {
  const live = new LiveRegion(io.stdout, columns);
  let waiting: { stage: string; position: string; since: number; applied: Set<string>; pending: Set<string> } | undefined;
  const status = () => {
    if (!waiting) return;
    const elapsed = ((Date.now() - waiting.since) / 1000).toFixed(0);
    const names = [...waiting.pending];
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
    const ready = waiting.applied.size - waiting.pending.size;
    live.set('status', `  [stage ${waiting.position} ${waiting.stage}] ${ready}/${waiting.applied.size} ready after ${elapsed}s${shown ? `, waiting for ${shown}` : ''}`);
  };
  const timer = setInterval(status, 250);
  return {
    onEvent(event) {
      if (event.type === 'stage-started') {
        waiting = { stage: event.stage, position: `${event.index + 1}/${event.total}`, since: Date.now(), applied: new Set(), pending: new Set() };
      }
      if (event.type === 'object-applied') {
        waiting?.applied.add(event.object);
        waiting?.pending.add(event.object);
      }
      if (event.type === 'object-ready') waiting?.pending.delete(event.object);
      if (event.type === 'stage-done' || event.type === 'failed' || event.type === 'cancelled' || event.type === 'finished') {
        waiting = undefined;
        live.clear();
      }
      live.print(eventLines(event).map((line) => `${line}\n`).join(''));
      status();
    },
    stop() {
      clearInterval(timer);
      live.clear();
    },
  };
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const parsed = parseDeployArgs(args);
  const files = parsed.files.length > 0 ? readManifestFiles(parsed.files, io.cwd) : undefined;
  const apps = appsFromEnv(io.env);
  // An app reference (an app, a component, a Git app at its ref's commit) resolves through the registry.
  const resolved = parsed.app !== undefined ? await resolveApp(apps, parsed.app) : undefined;
  if (resolved) checkTarget(resolved.snapshot.app, parsed.namespace, parsed.cluster ?? apps.registry.defaultCluster);
  const cluster = parsed.cluster ?? apps.registry.defaultCluster;
  const state = startRollout({
    app: resolved?.snapshot.app.name ?? nameForFiles(parsed.files),
    files,
    ...(resolved ? { source: rolloutSourceOf(resolved) } : {}),
    ...(cluster ? { cluster } : {}),
    namespace: parsed.namespace,
    scope: cliScope('deploy', parsed.allowClusterResources, () => resolved && registeredScope(apps.registry, resolved.snapshot.app.name)),
    inject: parsed.inject,
    holder: `${os.userInfo().username}@${os.hostname()} (mesh CLI, pid ${process.pid})`,
    command: ['mesh', 'deploy', ...args].join(' '),
    stageTimeoutMs: parsed.timeoutMs,
  });
  const own = () => commandKubeConfig(parsed.kubeconfig, io);
  const kc = await clusterKubeConfig(apps.registry, parsed.cluster, io.env, own);
  const origin = resolved && describeRevision(resolved);
  if (origin || cluster) io.stdout(`${[origin, cluster ? `cluster ${cluster}` : ''].filter(Boolean).join(', ')}\n`);
  if (parsed.plan) return printPlan(kc, state, gitFilesLoader(apps), io, cluster);
  return runToEnd(kc, state, gitFilesLoader(apps), io, cluster);
}

/** `--plan`: what the rollout would do, from a server-side dry-run; exit 1 when the pre-flight rejects objects. */
export async function printPlan(kc: KubeConfig, state: RolloutState, gitFiles: GitFilesLoader, io: CliIO, cluster?: string): Promise<number> {
  try {
    const plan = await planRollout(kc, state, gitFiles, istioSwitches(io.env).compliancePolicy);
    io.stdout(`${planText(plan, state.app)}\n`);
    return plan.problems.length > 0 ? 1 : 0;
  } catch (error) {
    const unreachable = unreachableCluster(error, cluster, kc.getCurrentCluster()?.server);
    throw unreachable ? new UserError(unreachable) : error;
  }
}

/** Runs a rollout in-process with live output; exit 0 finished, 1 failed, 3 cancelled. */
export async function runToEnd(kc: KubeConfig, state: RolloutState, gitFiles: GitFilesLoader, io: CliIO, cluster?: string): Promise<number> {
  const renderer = io.isTTY
    ? ttyRenderer(io)
    : { onEvent: (e: RolloutEvent) => eventLines(e).forEach((l) => io.stdout(`${l}\n`)), stop: () => undefined };
  try {
    const final = await runRollout(state, { kc, emit: renderer.onEvent, gitFiles, compliancePolicy: istioSwitches(io.env).compliancePolicy });
    return final.phase === 'finished' ? 0 : final.phase === 'cancelled' ? 3 : 1;
  } catch (error) {
    const unreachable = unreachableCluster(error, cluster, kc.getCurrentCluster()?.server);
    throw unreachable ? new UserError(unreachable) : error;
  } finally {
    renderer.stop();
  }
}
