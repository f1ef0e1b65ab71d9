// `mesh deploy <app> | -f <file-or-dir>`: chat's deploy job, run by the CLI with what only the CLI has — plain
// manifests (-f), a stage deadline (--timeout), and (--allow-cluster-resources) the user's own credentials'
// reach beyond the app's registry limits.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { atMostOne, parseCommandArgs, refuseEmptyValues } from './args';
import type { CliIO } from './io';
import { runCliJob } from './run-job';

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

export async function run(args: string[], io: CliIO): Promise<number> {
  const parsed = parseDeployArgs(args);
  const files = parsed.files.length > 0 ? readManifestFiles(parsed.files, io.cwd) : undefined;
  // Plain manifests go under a name of their own (the lock's, the history's); an app reference resolves in the job.
  const app = parsed.app ?? nameForFiles(parsed.files);
  const command = { kind: 'deploy' as const, app, namespace: parsed.namespace, ...(parsed.cluster ? { cluster: parsed.cluster } : {}), inject: parsed.inject, plan: parsed.plan };
  const options = {
    ...(files ? { files } : {}),
    ...(parsed.allowClusterResources ? { allowClusterResources: true } : {}),
    ...(parsed.timeoutMs !== undefined ? { stageTimeoutMs: parsed.timeoutMs } : {}),
  };
  return runCliJob({ name: 'deploy', args, command, namespace: parsed.namespace, ...(parsed.kubeconfig ? { kubeconfig: parsed.kubeconfig } : {}), options }, io);
}
