// What a name in `/mesh inject <name>` means: an app, or a component of an app — a manifest file
// (`helloworld-v1`), a workload or other object (`helloworld-service-v1`, with the Services that select its
// pods), or the files sharing a name prefix (`helloworld` = helloworld-v1, -v2 and -service). `<app>.<name>`
// picks one when a name is in several apps; an unknown name gets a did-you-mean over apps and components.
import { UserError, isUserError } from '../errors';
import { suggest } from '../command/suggest';
import { isManifestFile, type AppFiles } from '../rollout/app-files';
import { embeddedDocuments } from '../rollout/catalog/embedded';
import { parseManifestDocuments, type ManifestDocument } from '../rollout/manifests';
import type { AppEntry, Registry } from './registry';

export interface Revision {
  repository: string;
  ref: string;
  commit: string;
  path: string;
}

/** An app's files at one revision (the built-in catalog has none). */
export interface AppSnapshot {
  app: AppEntry;
  files: AppFiles;
  revision?: Revision;
}

export type SnapshotLoader = (app: AppEntry) => Promise<AppSnapshot>;

export interface Component {
  name: string;
  files: string[];
}

export interface ResolvedReference {
  snapshot: AppSnapshot;
  /** Absent: the whole app. */
  component?: Component;
}

/** `helloworld-v1.yaml`, `deploy/web.yaml` → `helloworld-v1`, `web` */
const stem = (file: string) => file.split('/').pop()!.replace(/\.(ya?ml|json)$/, '');

function documentsOf(snapshot: AppSnapshot, file: string): ManifestDocument[] {
  if (snapshot.app.source.kind === 'builtin') return embeddedDocuments[snapshot.app.name]?.[file] ?? [];
  try {
    return parseManifestDocuments(snapshot.files[file]!, file);
  } catch (error) {
    // A broken file has no components; inject or deploy of the app reports it with file and line.
    if (isUserError(error)) return [];
    throw error;
  }
}

function podLabels(doc: ManifestDocument): Record<string, string> | undefined {
  const template = (doc.object.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
  return doc.object.kind === 'Pod' ? doc.object.metadata.labels : template?.metadata?.labels;
}

function selects(service: ManifestDocument, labels: Record<string, string>): boolean {
  const selector = (service.object.spec as { selector?: Record<string, string> } | undefined)?.selector;
  return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Exact components (files and objects) and prefix groups of one app; each lists its files, sorted. */
export function componentsOf(snapshot: AppSnapshot): { exact: Component[]; groups: Component[] } {
  const files = Object.keys(snapshot.files).filter(isManifestFile).sort();
  const docs = files.flatMap((file) => documentsOf(snapshot, file).map((doc) => ({ ...doc, file })));
  const services = docs.filter((d) => d.object.kind === 'Service');
  const exact = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, name: string, ...more: string[]) => {
    const set = map.get(name) ?? new Set<string>();
    more.forEach((f) => set.add(f));
    map.set(name, set);
  };
  for (const file of files) add(exact, stem(file), file);
  for (const doc of docs) {
    const labels = podLabels(doc);
    add(exact, doc.object.metadata.name as string, doc.file, ...(labels ? services.filter((s) => selects(s, labels)).map((s) => s.file) : []));
  }
  const groups = new Map<string, Set<string>>();
  for (const file of files) {
    const parts = stem(file).split('-');
    for (let n = 1; n < parts.length; n += 1) add(groups, parts.slice(0, n).join('-'), file);
  }
  const list = (map: Map<string, Set<string>>) => [...map].map(([name, set]) => ({ name, files: [...set].sort() }));
  return { exact: list(exact), groups: list(groups).filter((g) => g.files.length > 1 && !exact.has(g.name)) };
}

function findIn(snapshot: AppSnapshot, name: string): Component | undefined {
  const { exact, groups } = componentsOf(snapshot);
  return exact.find((c) => c.name === name) ?? groups.find((c) => c.name === name);
}

function appNamed(registry: Registry, name: string): AppEntry {
  const app = registry.apps.find((a) => a.name === name);
  if (app) return app;
  const names = registry.apps.map((a) => a.name);
  const guess = suggest(name, names);
  throw new UserError(`no app named "${name}"${guess ? `; did you mean "${guess}"?` : ''} (apps: ${names.join(', ')})`);
}

/**
 * Resolves a reference to an app or one of its components. Loads (fetches) only the named app when the
 * name is an app or `<app>.<component>`; a bare component name looks through every app.
 */
export async function resolveReference(registry: Registry, reference: string, load: SnapshotLoader): Promise<ResolvedReference> {
  const [appName, componentName] = reference.split('.') as [string, string | undefined];
  if (componentName !== undefined) {
    const snapshot = await load(appNamed(registry, appName));
    const component = findIn(snapshot, componentName);
    if (component) return { snapshot, component };
    const { exact, groups } = componentsOf(snapshot);
    const guess = suggest(componentName, [...exact, ...groups].map((c) => c.name));
    throw new UserError(`app "${appName}" has no component "${componentName}"${guess ? `; did you mean "${appName}.${guess}"?` : ''}`);
  }
  const app = registry.apps.find((a) => a.name === reference);
  if (app) return { snapshot: await load(app) };

  const loaded = await Promise.all(
    registry.apps.map(async (entry) => {
      try {
        return { entry, snapshot: await load(entry) };
      } catch (error) {
        if (!isUserError(error)) throw error;
        return { entry, error: error.message };
      }
    }),
  );
  const snapshots = loaded.flatMap((l) => (l.snapshot ? [l.snapshot] : []));
  const all = snapshots.map((snapshot) => ({ snapshot, ...componentsOf(snapshot) }));
  for (const kind of ['exact', 'groups'] as const) {
    const matches = all.flatMap((a) => a[kind].filter((c) => c.name === reference).map((component) => ({ snapshot: a.snapshot, component })));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      const choices = matches.map((m) => `${m.snapshot.app.name}.${reference} (${m.component.files.join(', ')})`);
      throw new UserError(`"${reference}" is in ${matches.length} apps: ${choices.join(', ')}; name one as <app>.${reference}`);
    }
  }
  const names = [...registry.apps.map((a) => a.name), ...all.flatMap((a) => [...a.exact, ...a.groups].map((c) => c.name))];
  const guess = suggest(reference, [...new Set(names)]);
  const unreadable = loaded.filter((l) => l.error).map((l) => `; app "${l.entry.name}" could not be read: ${l.error}`);
  throw new UserError(
    `no app or component named "${reference}"${guess ? `; did you mean "${guess}"?` : ''} (apps: ${registry.apps.map((a) => a.name).join(', ')})${unreadable.join('')}`,
  );
}
