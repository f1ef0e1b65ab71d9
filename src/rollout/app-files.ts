import { UserError } from '../errors';
import { parseManifestDocuments, type ManifestDocument } from './manifests';
import { parsePlanFile, stagesFromSyncWaves, type PlanStage } from './plan';

/** An app's files: path relative to the app's directory → text (the catalog's or a Git checkout's). */
export type AppFiles = Readonly<Record<string, string>>;

export const PLAN_FILE = 'plan.yaml';

export function isManifestFile(file: string): boolean {
  return /\.(ya?ml|json)$/.test(file) && file !== PLAN_FILE;
}

export interface StagesOptions {
  /** How a file is named in errors (e.g. `infra/apps/guestbook/x.yaml`, `deploy/k8s/x.yaml`). */
  label: (file: string) => string;
  /** Only these files (a component of the app); stages left empty are dropped. */
  only?: readonly string[];
  /** Rewrites a manifest's text before parsing (sidecar injection). */
  transform?: (text: string, file: string) => string;
  /** Already parsed documents of a file (the embedded catalog), used when there is no transform. */
  parsed?: (file: string) => ManifestDocument[] | undefined;
}

/**
 * The stages of an app: its `plan.yaml` (every manifest file in exactly one stage), else one stage per
 * sync wave, as `mesh deploy -f` does. Throws a UserError naming file (and line) for a broken file.
 */
export function stagesOfFiles(files: AppFiles, options: StagesOptions): PlanStage[] {
  const wanted = options.only ? new Set(options.only) : undefined;
  const documentsOf = (file: string): ManifestDocument[] => {
    const text = files[file]!;
    if (!options.transform) {
      const parsed = options.parsed?.(file);
      if (parsed) return parsed;
    }
    return parseManifestDocuments(options.transform ? options.transform(text, options.label(file)) : text, options.label(file));
  };
  const manifests = Object.keys(files).filter(isManifestFile).sort();
  const planText = files[PLAN_FILE];
  if (planText === undefined) {
    const chosen = manifests.filter((f) => !wanted || wanted.has(f));
    return stagesFromSyncWaves(chosen.flatMap(documentsOf));
  }
  const planLabel = options.label(PLAN_FILE);
  const plan = parsePlanFile(planText, planLabel);
  const used = new Set<string>();
  const stages = plan.stages.map((stage) => ({
    name: stage.name,
    documents: stage.manifests.flatMap((file) => {
      if (file.startsWith('/') || file.split('/').includes('..')) {
        throw new UserError(`${planLabel}: stage "${stage.name}" names ${file}; manifests must be paths inside the app's directory`);
      }
      if (files[file] === undefined) throw new UserError(`${planLabel}: stage "${stage.name}" names missing file ${file}`);
      if (used.has(file)) throw new UserError(`${planLabel}: ${file} is in more than one stage`);
      used.add(file);
      return !wanted || wanted.has(file) ? documentsOf(file) : [];
    }),
  }));
  const unplanned = manifests.filter((f) => !used.has(f));
  if (unplanned.length > 0) throw new UserError(`${planLabel}: no stage lists ${unplanned.join(', ')}`);
  return wanted ? stages.filter((s) => s.documents.length > 0) : stages;
}
