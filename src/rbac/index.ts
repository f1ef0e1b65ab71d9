// src/rbac — Kubernetes permissions as small as the registry: the bot's Roles per app namespace, generated from
// the registry and the kinds each app's manifests hold, and the install role a human applies once.
import type { Apps } from '../apps';
import { errorMessage, UserError } from '../errors';
import { isManifestFile } from '../rollout/app-files';
import { parseManifestDocuments } from '../rollout/manifests';
import { groupOf } from '../rollout/scope';
import { generateBotRbac, namespacesOf, type AppKinds, type BotRbacOptions, type GeneratedRbac, type ManifestKind } from './generate';

export { appLeaseNames, generateBotRbac, generateInstallRole, resourceOf, type BotRbacOptions, type GeneratedRbac, type InstallRoleOptions } from './generate';

/** The kinds in an app's manifests as loaded now (a Git app at its registered ref). */
async function kindsOf(apps: Apps, app: AppKinds['app']): Promise<AppKinds> {
  const snapshot = await apps.load(app).catch((error: unknown) => {
    const message = errorMessage(error);
    throw new UserError(`${message.startsWith(`app ${app.name}:`) ? message : `app ${app.name}: ${message}`} (its manifests' kinds decide its Role)`);
  });
  const seen = new Map<string, ManifestKind>();
  const services = new Set<string>();
  // Kinds a CRD of the manifests defines: their resource (plural) and scope come from it, not from a guess.
  const defined = new Map<string, { resource: string; clusterScoped: boolean }>();
  for (const [file, text] of Object.entries(snapshot.files)) {
    if (!isManifestFile(file)) continue;
    for (const doc of parseManifestDocuments(text, file)) {
      const { apiVersion, kind } = doc.object;
      seen.set(`${apiVersion}/${kind}`, { apiVersion, kind });
      if (apiVersion === 'v1' && kind === 'Service' && doc.object.metadata?.name) services.add(doc.object.metadata.name);
      const spec = (doc.object as { spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown; plural?: unknown } } }).spec;
      if (kind === 'CustomResourceDefinition' && typeof spec?.group === 'string' && typeof spec.names?.kind === 'string' && typeof spec.names.plural === 'string') {
        defined.set(`${spec.group}/${spec.names.kind}`, { resource: spec.names.plural, clusterScoped: spec.scope === 'Cluster' });
      }
    }
  }
  return { app, kinds: [...seen.values()].map((k) => ({ ...k, ...defined.get(`${groupOf(k.apiVersion)}/${k.kind}`) })), services: [...services].sort() };
}

/** The bot's RBAC for every app of the registry that has a namespace to grant (each app loaded once, in order). */
export async function botRbacForRegistry(apps: Apps, options: BotRbacOptions & { cluster?: string }): Promise<GeneratedRbac> {
  const { cluster } = options;
  if (cluster !== undefined && !apps.registry.clusters.some((c) => c.name === cluster)) {
    throw new UserError(`--cluster ${cluster}: not a cluster of ${apps.registry.source} (${apps.registry.clusters.map((c) => c.name).join(', ') || 'none'})`);
  }
  // For one cluster: only the apps that may go there (an app without `clusters` may go everywhere).
  const onCluster = apps.registry.apps.filter((app) => cluster === undefined || !app.clusters || app.clusters.includes(cluster));
  const granted = onCluster.filter((app) => namespacesOf(app, options.namespaces).namespaces.length > 0);
  const kinds: AppKinds[] = [];
  for (const app of granted) kinds.push(await kindsOf(apps, app));
  const skipped = onCluster.filter((app) => !granted.includes(app)).map((app) => namespacesOf(app, options.namespaces).note!);
  const generated = generateBotRbac(cluster === undefined ? apps.registry : { source: `${apps.registry.source}, cluster ${cluster}` }, kinds, options);
  return { ...generated, notes: [...new Set([...generated.notes, ...skipped])] };
}
