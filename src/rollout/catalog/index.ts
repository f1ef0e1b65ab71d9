import { UserError } from '../../errors';
import { suggest } from '../../command/suggest';
import { PLAN_FILE, stagesOfFiles } from '../app-files';
import type { Plan } from '../plan';
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
 * `transform` rewrites each manifest file's text before parsing (e.g. sidecar injection); `only` keeps
 * the stages of those files (a component of the app).
 */
export function loadApp(name: string, transform?: (text: string, file: string) => string, only?: readonly string[]): Plan {
  const cacheable = !transform && !only;
  if (cacheable) {
    const cached = parsed.get(name);
    if (cached) return cached;
  }
  const stages = stagesOfFiles(appFiles(name), {
    label: (file) => (file === PLAN_FILE ? `infra/apps/${name}/${file}` : file),
    parsed: (file) => embeddedDocuments[name]![file],
    ...(transform ? { transform } : {}),
    ...(only ? { only } : {}),
  });
  const plan = { app: name, stages };
  if (cacheable) parsed.set(name, plan);
  return plan;
}
