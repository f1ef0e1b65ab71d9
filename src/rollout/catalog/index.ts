import { UserError } from '../../errors';
import { suggest } from '../../command/suggest';
import { parseManifestDocuments } from '../manifests';
import { parsePlanFile, type Plan } from '../plan';
import { embeddedApps, embeddedDocuments } from './embedded';

const APP_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Names of the apps that ship with mesh (infra/apps/<name>/ with a plan.yaml). */
export function listApps(): string[] {
  return Object.keys(embeddedApps)
    .filter((name) => 'plan.yaml' in embeddedApps[name]!)
    .sort();
}

/** Raw catalog files of one app (for `/mesh inject <app>` and friends); validates the name first. */
export function appFiles(name: string): Record<string, string> {
  checkAppName(name);
  return embeddedApps[name]!;
}

function checkAppName(name: string): void {
  const apps = listApps();
  if (!APP_NAME.test(name)) {
    throw new UserError(`"${name}" is not an app name (catalog apps are names such as ${apps.join(', ')}, never paths)`);
  }
  if (!apps.includes(name)) {
    const guess = suggest(name, apps);
    throw new UserError(`no app named "${name}"${guess ? `; did you mean "${guess}"?` : ''} (apps: ${apps.join(', ')})`);
  }
}

// Parsed plans of the embedded catalog, which never changes at run time (read-only for callers).
const parsed = new Map<string, Plan>();

/**
 * The app's rollout plan with every stage's manifests parsed; every manifest file must be in one stage.
 * `transform` rewrites each manifest file's text before parsing (e.g. sidecar injection).
 */
export function loadApp(name: string, transform?: (text: string, file: string) => string): Plan {
  if (!transform) {
    const cached = parsed.get(name);
    if (cached) return cached;
  }
  const plan = parseApp(name, transform);
  if (!transform) parsed.set(name, plan);
  return plan;
}

function parseApp(name: string, transform?: (text: string, file: string) => string): Plan {
  const files = appFiles(name);
  const plan = parsePlanFile(files['plan.yaml']!, `infra/apps/${name}/plan.yaml`);
  const used = new Set<string>();
  const stages = plan.stages.map((stage) => ({
    name: stage.name,
    documents: stage.manifests.flatMap((file) => {
      const text = files[file];
      if (text === undefined) throw new UserError(`infra/apps/${name}/plan.yaml: stage "${stage.name}" names missing file ${file}`);
      if (used.has(file)) throw new UserError(`infra/apps/${name}/plan.yaml: ${file} is in more than one stage`);
      used.add(file);
      return transform ? parseManifestDocuments(transform(text, file), file) : embeddedDocuments[name]![file]!;
    }),
  }));
  const unplanned = Object.keys(files).filter((f) => f !== 'plan.yaml' && !used.has(f));
  if (unplanned.length > 0) throw new UserError(`infra/apps/${name}/plan.yaml: no stage lists ${unplanned.join(', ')}`);
  return { app: name, stages };
}
