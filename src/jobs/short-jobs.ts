// Jobs that finish in one step: inject preview, status, cancel, autoinject and restart. Each calls its engine
// and returns the reply to deliver; the engines are imported on use so the worker loads only what it runs.
import { errorMessage, isUserError } from '../errors';
import { enforceGrants, protectionFor, type Job } from './job';
import { UserError } from '../errors';
import type { PendingReply, ReportMessage } from './reporter';
import { appsOf, type JobDeps } from './state';
import { kindSlashName } from '../object-name';

export interface ShortJobResult {
  ok: boolean;
  reply: PendingReply;
}

const toRequester = (message: ReportMessage): PendingReply => ({ visibility: 'ephemeral', message });

async function injectPreview(job: Job & { command: { kind: 'inject' } }, deps: JobDeps): Promise<ShortJobResult> {
  const { resolveApp, fileLabel } = await import('../apps');
  const { checkTarget, describeRevision } = await import('../apps/rollout');
  const { isManifestFile } = await import('../rollout/app-files');
  const { injectionSettings, proxyImage } = await import('../inject');
  const namespace = job.namespace ?? 'default';
  const apps = await appsOf(deps);
  const resolved = await resolveApp(apps, job.command.app, job.command.commit);
  const { snapshot, component } = resolved;
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  enforceGrants(job, cluster, apps.registry.defaultCluster, snapshot.app.name);
  checkTarget(snapshot.app, namespace, cluster);
  const files = component?.files ?? Object.keys(snapshot.files).filter(isManifestFile).sort();
  // What the target cluster's own Istio would inject (its webhook, else its ConfigMaps); the built-in engine
  // only when the cluster cannot be had at all, and the summary says which.
  const { resolveInjectionSource, builtinSource, injectedProxyImage, describeOrigins } = await import('../injector/resolve');
  // A preview needs no cluster: without one it still answers, with the built-in engine, and says why. A door
  // that can peek (the console) does not start its local cluster just for a preview.
  let noCluster = 'none is running';
  const asked = !job.command.cluster && deps.peekKube ? deps.peekKube() : deps.kube(job.command.cluster);
  const kc = await asked.catch((error: unknown) => {
    noCluster = errorMessage(error).split('\n')[0]!;
    return undefined;
  });
  // The layout is the cluster's Istio's choice (resolveInjectionSource); without a cluster, offline istioctl's: classic.
  const injection = kc ? await resolveInjectionSource({ kc }) : builtinSource(injectionSettings({ nativeSidecars: false }), `no cluster to ask (${noCluster})`);
  const results = [];
  for (const file of files) results.push(await injection.inject(snapshot.files[file]!, fileLabel(snapshot, file)));
  const yaml = results.map((r) => r.output).join('');
  const app = component ? component.name : snapshot.app.name;
  const origin = [component ? `${snapshot.app.name}: ${files.join(', ')}` : undefined, describeRevision(resolved)].filter(Boolean).join(' · ');
  const { message, file } = deps.reporter.messages.injectPreview({
    app,
    reference: component ? `${snapshot.app.name}.${component.name}` : snapshot.app.name,
    ...(snapshot.revision ? { commit: snapshot.revision.commit } : {}),
    ...(origin ? { origin } : {}),
    ...(cluster ? { cluster } : {}),
    namespace,
    requestedBy: job.user,
    proxyImage: results.map((r) => injectedProxyImage(r.output)).find(Boolean) ?? proxyImage(injectionSettings()),
    injectedBy: describeOrigins(results.length > 0 ? results : [{ origin: injection }]),
    workloads: results.flatMap((r) => r.workloads),
    warnings: results.flatMap((r) => r.warnings),
    yaml,
  });
  return { ok: true, reply: { visibility: 'channel', message, ...(file ? { file } : {}) } };
}

/** Records of what is deployed, per cluster: registered clusters, else the door's own if it is up. */
async function deployedWhere(deps: JobDeps, clusters: string[]): Promise<string[]> {
  const { listRecords } = await import('../rollout/record');
  const targets = clusters.length > 0 ? clusters.map((name) => ({ name, kc: () => deps.kube(name) })) : deps.peekKube ? [{ name: '', kc: deps.peekKube }] : [];
  const lines = await Promise.all(
    targets.map(async ({ name, kc }) => {
      const where = name ? `cluster ${name}` : 'this cluster';
      try {
        const config = await kc();
        if (!config) return [];
        const records = await Promise.race([
          listRecords(config),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
        ]);
        return records.map((r) => `• ${r.app}${r.component ? ` (${r.component.join(', ')})` : ''} in ${r.namespace} on ${where}: ${r.commit ? `commit ${r.commit.slice(0, 12)}` : 'built-in'}, ${r.at} by ${r.by}`);
      } catch (error) {
        return [`• ${where}: unreachable (${(error as { code?: string }).code ?? errorMessage(error).split('\n')[0]})`];
      }
    }),
  );
  return lines.flat();
}

async function listApps(deps: JobDeps): Promise<ShortJobResult> {
  const { describeClusterTarget, describeLimits, describeSource } = await import('../apps');
  const { registry } = await appsOf(deps);
  const deployed = await deployedWhere(deps, registry.clusters.map((c) => c.name));
  const message = deps.reporter.messages.appList({
    source: registry.source,
    apps: registry.apps.map((app) => ({
      name: app.name,
      source: describeSource(app),
      limits: describeLimits(app),
    })),
    clusters: registry.clusters.map((c) => ({ name: c.name, isDefault: c.name === registry.defaultCluster, target: describeClusterTarget(c) })),
    deployed,
  });
  return { ok: true, reply: toRequester(message) };
}

async function appStatus(job: Job & { command: { kind: 'status' } }, deps: JobDeps): Promise<ShortJobResult> {
  const { rolloutStatus } = await import('../rollout/status');
  const { resolveApp } = await import('../apps');
  const { stagesOf } = await import('../apps/rollout');
  const apps = await appsOf(deps);
  const resolved = await resolveApp(apps, job.command.app);
  const cluster = job.command.cluster ?? apps.registry.defaultCluster;
  enforceGrants(job, cluster, apps.registry.defaultCluster, resolved.snapshot.app.name);
  const status = await rolloutStatus(await deps.kube(job.command.cluster), resolved.snapshot.app.name, job.namespace ?? 'default', stagesOf(resolved));
  return { ok: true, reply: toRequester(deps.reporter.messages.status(status, cluster)) };
}

async function cancel(job: Job & { command: { kind: 'cancel' } }, deps: JobDeps): Promise<ShortJobResult> {
  const id = job.command.rolloutId;
  const { registry } = await appsOf(deps);
  enforceGrants(job, job.command.cluster ?? registry.defaultCluster, registry.defaultCluster, id.split('.')[1]);
  const kc = await deps.kube(job.command.cluster);
  // A canary's id reads `<namespace>.<service>.canary-…` (src/jobs/canary.ts); its next step sees the mark.
  const found = /\.canary-[^.]+$/.test(id)
    ? await (await import('../traffic/cluster')).requestCanaryCancel(kc, id, `Slack user ${job.user}`)
    : await (await import('../rollout/engine')).requestCancel(kc, id, `Slack user ${job.user}`);
  return { ok: found, reply: toRequester(deps.reporter.messages.cancelRequested(id, found)) };
}

/**
 * autoinject enable|disable and Restart act on the door's default cluster and on every app of the namespace: the
 * policy's grants must cover that cluster, and a protected namespace refuses them — chat collects approvals for
 * plans of deploys only, so the two-person rule holds by sending these to an operator (`mesh autoinject …`).
 */
async function checkNamespaceWide(job: Job, deps: JobDeps): Promise<void> {
  const { registry } = await appsOf(deps);
  const cluster = registry.defaultCluster;
  enforceGrants(job, cluster, cluster, undefined);
  const protection = protectionFor(job.protections ?? [], cluster, undefined);
  if (protection.kind === 'unknown') throw new UserError(`Denied: ${protection.reason}; nothing was changed`);
  if (protection.kind === 'protected') {
    throw new UserError(
      `Denied: namespace ${job.namespace ?? ''} is protected by "${protection.rule.rule}" (two-person rule), and chat collects approvals for deploy, rollback and inject --apply plans only; an operator runs \`mesh autoinject\` for it. Nothing was changed`,
    );
  }
}

async function autoinject(job: Job & { command: { kind: 'autoinject' } }, deps: JobDeps): Promise<ShortJobResult> {
  const engine = await import('../autoinject');
  const { action, namespace } = job.command;
  if (action !== 'status') await checkNamespaceWide(job, deps);
  const kc = await deps.kube();
  const report = action === 'enable' ? await engine.enable(kc, namespace) : action === 'disable' ? await engine.disable(kc, namespace) : await engine.status(kc, namespace);
  const drifted = (report.drift ?? []).filter((d) => d.drifted > 0).map((d) => `${kindSlashName(d)}: ${d.drifted} of ${d.pods} pod(s) ${d.reason}`);
  const message = deps.reporter.messages.autoinject({ action, namespace, ok: report.ok, enabled: report.enabled, missingSidecar: report.missingSidecar, drifted, detail: report.summary });
  return { ok: report.ok, reply: { visibility: action === 'status' ? 'ephemeral' : 'channel', message } };
}

async function restart(job: Job & { command: { kind: 'restart' } }, deps: JobDeps): Promise<ShortJobResult> {
  const { restart: restartWorkloads } = await import('../autoinject');
  await checkNamespaceWide(job, deps);
  const report = await restartWorkloads(await deps.kube(), job.command.namespace);
  return { ok: report.failed.length === 0, reply: { visibility: 'channel', message: deps.reporter.messages.restarted(job.user, report) } };
}

export async function runShortJob(job: Job, deps: JobDeps): Promise<ShortJobResult> {
  try {
    switch (job.command.kind) {
      case 'apps':
        return await listApps(deps);
      case 'inject':
        return await injectPreview(job as Job & { command: { kind: 'inject' } }, deps);
      case 'status':
        return await appStatus(job as Job & { command: { kind: 'status' } }, deps);
      case 'cancel':
        return await cancel(job as Job & { command: { kind: 'cancel' } }, deps);
      case 'autoinject':
        return await autoinject(job as Job & { command: { kind: 'autoinject' } }, deps);
      case 'restart':
        return await restart(job as Job & { command: { kind: 'restart' } }, deps);
      default:
        return { ok: false, reply: toRequester(deps.reporter.messages.notAJob(job.text)) };
    }
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { ok: false, reply: toRequester(deps.reporter.messages.userError(error.message)) };
  }
}
