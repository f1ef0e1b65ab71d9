// `/mesh inject <app>`: the app's manifests with the Istio sidecar injected, as the target cluster's own Istio
// would inject them (a preview, one reply); with `--apply`, rolled out like a deploy with injection.
import { DEFAULT_NAMESPACE, validateReference, where, whereText } from '../../command/grammar';
import { defineVerb } from '../../command/verb';
import { errorMessage } from '../../errors';
import { enforceGrants } from '../job';
import { appsOf, type JobDeps } from '../state';
import type { Answered, CommandJob, VerbJob } from '../verb-job';
import { deployTarget } from './deploy';

export interface InjectCommand {
  kind: 'inject';
  app: string;
  namespace?: string;
  cluster?: string;
  commit?: string;
  apply: boolean;
}

declare module '../job' {
  interface VerbCommands {
    inject: InjectCommand;
  }
}

export const injectVerb = defineVerb<InjectCommand>({
  name: 'inject',
  usage: '/mesh inject <app> [-n <namespace>] [--cluster <name>] [--commit <sha>] [--apply]',
  summary: 'preview the app with the Istio sidecar injected (--apply applies it)',
  parse(words, tools) {
    const o = tools.readOptions(words, { flags: ['--apply'], namespace: true, cluster: true, commit: true });
    const app = validateReference(tools.exactlyOne(o, 'an app name'));
    return { kind: 'inject', app, ...where(o), ...(o.commit ? { commit: o.commit } : {}), apply: o.flags.has('--apply') };
  },
  format: (c) => `inject ${c.app}${whereText(c)}${c.apply ? ' --apply' : ''}`,
  permission: (c) => (c.apply ? 'inject-apply' : 'inject'),
  namespace: (c) => c.namespace ?? DEFAULT_NAMESPACE,
  actsOnApp: () => true,
  changesCluster: (c) => c.apply,
});

async function injectPreview(job: CommandJob<InjectCommand>, deps: JobDeps): Promise<Answered> {
  const { resolveApp, fileLabel } = await import('../../apps');
  const { checkTarget, describeRevision } = await import('../../apps/rollout');
  const { isManifestFile } = await import('../../rollout/app-files');
  const { injectionSettings, proxyImage } = await import('../../inject');
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
  const { resolveInjectionSource, builtinSource, injectedProxyImage, describeOrigins } = await import('../../injector/resolve');
  // A preview needs no cluster: without one it still answers, with the built-in engine, and says why. A door
  // that can peek (the console) does not start its local cluster just for a preview.
  let noCluster = 'none is running';
  const asked = !job.command.cluster && deps.peekKube ? deps.peekKube() : deps.kube(job.command.cluster);
  const kc = await asked.catch((error: unknown) => {
    noCluster = errorMessage(error).split('\n')[0]!;
    return undefined;
  });
  // The layout is the cluster's Istio's choice (resolveInjectionSource); without a cluster, offline istioctl's: classic.
  const compliancePolicy = deps.istio?.compliancePolicy ?? '';
  const injection = kc ? await resolveInjectionSource({ kc, builtin: { compliancePolicy } }) : builtinSource(injectionSettings({ nativeSidecars: false, compliancePolicy }), `no cluster to ask (${noCluster})`);
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

/** A preview answers; `--apply` rolls the app out with sidecars, through the deploy pipeline. */
export const injectJob: VerbJob<InjectCommand> = (command) =>
  command.apply
    ? { kind: 'prepare', prepare: async (job, deps) => (await import('../safe-deploy')).prepareRollout(job, deps, await deployTarget(job, deps, true), false) }
    : { kind: 'answer', answer: injectPreview };
