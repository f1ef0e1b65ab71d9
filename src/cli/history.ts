// `mesh history <app>` and `mesh rollback <app> [--to <revision>] [--plan]`: the app's recorded revisions, and
// deploying one of them again with the same engine, deleting what newer revisions added.
import os from 'node:os';
import { UserError } from '../errors';
import { appsFromEnv } from '../apps';
import { clusterKubeConfig } from '../apps/clusters';
import { gitFilesLoader, registeredScope } from '../apps/rollout';
import { commandKubeConfig } from './kubeconfig';
import { startRollout } from '../rollout';
import { readHistory, rollbackTarget, trafficRollbackTarget } from '../rollout/record';
import { atMostOne, parseCommandArgs, refuseEmptyValues } from './args';
import { cliScope, printPlan, runToEnd } from './deploy';
import type { CliIO } from './io';
import { historyText } from './plan-text';
import { isDnsLabel } from '../dns-label';
import { kubectlName } from '../object-name';


function target(command: 'history' | 'rollback', args: string[], extra: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>) {
  const { values, positionals } = parseCommandArgs(
    command,
    args,
    { namespace: { type: 'string', short: 'n', default: 'default' }, kubeconfig: { type: 'string' }, cluster: { type: 'string' }, ...extra } as never,
    true,
  );
  refuseEmptyValues(command, values as Record<string, unknown>);
  const app = atMostOne(command, positionals);
  if (app === undefined || !isDnsLabel(app)) throw new UserError(`which app? usage: mesh ${command} <app> [-n <namespace>]`);
  return { app, values: values as Record<string, string | boolean | undefined> };
}

export async function run(args: string[], io: CliIO, command: 'history' | 'rollback' = 'history'): Promise<number> {
  const { app, values } = target(command, args, command === 'rollback' ? { to: { type: 'string' }, plan: { type: 'boolean', default: false }, 'allow-cluster-resources': { type: 'boolean', default: false } } : {});
  const namespace = String(values.namespace);
  const to = values.to === undefined ? undefined : /^[1-9]\d{0,8}$/.test(String(values.to)) ? Number(values.to) : NaN;
  if (Number.isNaN(to)) throw new UserError(`--to "${String(values.to)}" is not a revision number (see mesh history ${app})`);
  const apps = appsFromEnv(io.env);
  const cluster = (values.cluster as string | undefined) ?? apps.registry.defaultCluster;
  const own = () => commandKubeConfig(values.kubeconfig as string | undefined, io);
  const kc = await clusterKubeConfig(apps.registry, values.cluster as string | undefined, io.env, own);
  const history = await readHistory(kc, namespace, app);
  if (command === 'history') {
    io.stdout(`${historyText(app, namespace, history)}\n`);
    return 0;
  }
  const traffic = trafficRollbackTarget(history, to);
  if (traffic) {
    const { shiftFromCli } = await import('./shift');
    io.stdout(`rollback of ${app}'s traffic shift, revision ${traffic.revision}\n`);
    const target = { app, service: traffic.service, namespace, ...(cluster ? { cluster } : {}) };
    return shiftFromCli(kc, target, { restore: traffic.routes }, { plan: values.plan === true, io, ...(to !== undefined ? { rollbackTo: to } : {}) });
  }
  const { target: revision, prune } = rollbackTarget(history, to);
  io.stdout(`rollback of ${app} in ${namespace} to revision ${revision.revision} (${revision.at}${revision.commit ? `, commit ${revision.commit.slice(0, 12)}` : ''})${prune.length ? `; deletes what newer revisions added, where it still carries mesh's mark: ${prune.map((r) => `${kubectlName(r)}`).join(', ')}` : ''}\n`);
  const state = startRollout({
    app, namespace, inject: revision.inject, source: { source: revision.source, stageNames: [] }, ...(cluster ? { cluster } : {}),
    scope: cliScope('rollback', values['allow-cluster-resources'] === true, () => registeredScope(apps.registry, app)),
    holder: `${os.userInfo().username}@${os.hostname()} (mesh CLI, pid ${process.pid})`, command: ['mesh', 'rollback', ...args].join(' '),
    prune, rollbackTo: revision.revision,
  });
  if (values.plan) return printPlan(kc, state, gitFilesLoader(apps), io, cluster);
  return runToEnd(kc, state, gitFilesLoader(apps), io, cluster);
}
