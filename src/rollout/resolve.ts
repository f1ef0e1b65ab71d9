import { UserError, isUserError } from '../errors';
import { injectManifests, injectionSettings } from '../inject';
import { stagesOfFiles, type AppFiles } from './app-files';
import { loadApp } from './catalog';
import type { PreflightProblem } from './events';
import { parseManifestDocuments, type ManifestDocument } from './manifests';
import { stagesFromSyncWaves, type PlanStage } from './plan';
import type { GitRolloutSource, RolloutState } from './state';

/** Reads a Git app's files at the pinned commit (from the cache, else the repository). */
export type GitFilesLoader = (source: GitRolloutSource) => Promise<AppFiles>;

/** Rewrites one manifest file's text on the way (sidecar injection for `--inject`). */
export type ManifestTransform = (text: string, file: string) => string;

let sidecarInjector: ManifestTransform | undefined;

/** `--inject`: manual sidecar injection, the same engine and default settings as `mesh kube-inject`. */
function injectSidecars(): ManifestTransform {
  if (!sidecarInjector) {
    const settings = injectionSettings();
    sidecarInjector = (text, file) => injectManifests(text, file, settings).output;
  }
  return sidecarInjector;
}

/**
 * The stages of a rollout, rebuilt from its state on every step (the state stays small): a catalog app's
 * plan, or plain files staged by sync wave, with sidecars injected when the rollout was started with
 * `inject`. Files that do not parse become problems, so the pre-flight can report every broken file at
 * once. The result is shared between steps: treat it as read-only.
 */
export async function resolveStages(state: RolloutState, gitFiles?: GitFilesLoader): Promise<Resolved> {
  const apply = state.inject ? injectSidecars() : undefined;
  // Parsing is the costly part of a step; in-process loops keep the same source object from step to step.
  const byTransform = cache.get(state.source) ?? new Map<ManifestTransform | undefined, Resolved>();
  cache.set(state.source, byTransform);
  let resolved = byTransform.get(apply);
  if (!resolved) byTransform.set(apply, (resolved = await resolveUncached(state, apply, gitFiles)));
  return resolved;
}

type Resolved = { stages: PlanStage[]; problems: PreflightProblem[] };
const cache = new WeakMap<object, Map<ManifestTransform | undefined, Resolved>>();

async function resolveUncached(state: RolloutState, apply: ManifestTransform | undefined, gitFiles?: GitFilesLoader): Promise<Resolved> {
  const source = state.source;
  if (source.kind === 'catalog') return { stages: loadApp(source.app, apply, source.only).stages, problems: [] };
  if (source.kind === 'git') {
    if (!gitFiles) throw new Error(`rollout ${state.id} reads a Git app but no Git loader was given`);
    const files = await gitFiles(source);
    const label = (file: string) => (source.path ? `${source.path}/${file}` : file);
    return { stages: stagesOfFiles(files, { label, ...(apply ? { transform: apply } : {}), ...(source.only ? { only: source.only } : {}) }), problems: [] };
  }
  const problems: PreflightProblem[] = [];
  const documents: ManifestDocument[] = [];
  for (const { file, text } of source.files) {
    try {
      documents.push(...parseManifestDocuments(apply ? apply(text, file) : text, file));
    } catch (error) {
      if (!isUserError(error)) throw error;
      const match = /^(?:.*?):(\d+): (.*)$/.exec(error.message);
      problems.push(match ? { file, line: Number(match[1]), reason: match[2]! } : { file, reason: error.message.replace(`${file}: `, '') });
    }
  }
  if (documents.length === 0 && problems.length === 0) throw new UserError('the manifests contain no Kubernetes objects');
  return { stages: stagesFromSyncWaves(documents), problems };
}
