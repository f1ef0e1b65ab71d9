import { UserError, isUserError } from '../errors';
import { injectManifests, injectionSettings } from '../inject';
import type { KubeConfig } from '@kubernetes/client-node';
import { isManifestFile, stagesOfFiles, type AppFiles } from './app-files';
import { appFiles, loadApp } from './catalog';
import type { PreflightProblem } from './events';
import { parseManifestDocuments, type ManifestDocument } from './manifests';
import { stagesFromSyncWaves, type PlanStage } from './plan';
import type { GitRolloutSource, RolloutState } from './state';

/** Reads a Git app's files at the pinned commit (from the cache, else the repository). */
export type GitFilesLoader = (source: GitRolloutSource) => Promise<AppFiles>;

/** Rewrites one manifest file's text on the way (sidecar injection for `--inject`). */
export type ManifestTransform = (text: string, file: string) => string;

const builtinInjectors = new Map<string, ManifestTransform>();

/** `--inject` without a cluster: the built-in engine and default settings, classic, as offline `mesh kube-inject`. */
function builtinSidecars(compliancePolicy: string): ManifestTransform {
  let injector = builtinInjectors.get(compliancePolicy);
  if (!injector) {
    const settings = injectionSettings({ nativeSidecars: false, compliancePolicy });
    injector = (text, file) => injectManifests(text, file, settings).output;
    builtinInjectors.set(compliancePolicy, injector);
  }
  return injector;
}

/**
 * `--inject` on a cluster: what the cluster's own injector would inject (its webhook, else its ConfigMaps, else
 * the built-in engine — see src/injector). The injector is asked once per file ahead of time, so the stages can
 * still be built by the synchronous transform; an error for a file is thrown where that file is transformed, so
 * it becomes a pre-flight problem like any other bad file.
 */
async function clusterSidecars(kc: KubeConfig, files: { file: string; text: string }[], compliancePolicy: string): Promise<ManifestTransform> {
  const { resolveInjectionSource } = await import('../injector/resolve');
  const source = await resolveInjectionSource({ kc, builtin: { compliancePolicy } });
  const injected = new Map<string, string | Error>();
  for (const { file, text } of files) {
    try {
      injected.set(`${file}\0${text}`, (await source.inject(text, file)).output);
    } catch (error) {
      if (!isUserError(error)) throw error;
      injected.set(`${file}\0${text}`, error as Error);
    }
  }
  return (text, file) => {
    const answer = injected.get(`${file}\0${text}`);
    if (answer instanceof Error) throw answer;
    if (answer === undefined) throw new Error(`${file} was not given to the cluster's injector ahead of the rollout`);
    return answer;
  };
}

/** The texts `--inject` transforms, under the labels the transform is called with. */
async function sourceTexts(state: RolloutState, gitFiles?: GitFilesLoader): Promise<{ file: string; text: string }[]> {
  const source = state.source;
  if (source.kind === 'catalog') return Object.entries(appFiles(source.app)).filter(([f]) => isManifestFile(f)).map(([file, text]) => ({ file, text }));
  if (source.kind === 'git') {
    if (!gitFiles) throw new Error(`rollout ${state.id} reads a Git app but no Git loader was given`);
    const files = await gitFiles(source);
    return Object.entries(files).filter(([f]) => isManifestFile(f)).map(([file, text]) => ({ file: source.path ? `${source.path}/${file}` : file, text }));
  }
  return source.files.map(({ file, text }) => ({ file, text }));
}

/**
 * The stages of a rollout, rebuilt from its state on every step (the state stays small): a catalog app's
 * plan, or plain files staged by sync wave, with sidecars injected when the rollout was started with
 * `inject` (by the injector of `kc`, the rollout's cluster, when given; `compliancePolicy` is the door's
 * COMPLIANCE_POLICY for what mesh's engine renders). Files that do not parse become
 * problems, so the pre-flight can report every broken file at once. The result is shared between steps: treat
 * it as read-only.
 */
export async function resolveStages(state: RolloutState, gitFiles?: GitFilesLoader, kc?: KubeConfig, compliancePolicy = ''): Promise<Resolved> {
  // Parsing (and, with --inject on a cluster, asking its injector) is the costly part of a step; in-process
  // loops keep the same source object from step to step, so the result is kept per source object.
  const key = !state.inject ? 'plain' : `${kc ? `cluster ${kc.getCurrentCluster()?.server ?? ''}` : 'builtin'} ${compliancePolicy}`;
  const byKey = cache.get(state.source) ?? new Map<string, Resolved>();
  cache.set(state.source, byKey);
  let resolved = byKey.get(key);
  if (!resolved) {
    const apply = !state.inject ? undefined : kc ? await clusterSidecars(kc, await sourceTexts(state, gitFiles), compliancePolicy) : builtinSidecars(compliancePolicy);
    byKey.set(key, (resolved = await resolveUncached(state, apply, gitFiles)));
  }
  return resolved;
}

type Resolved = { stages: PlanStage[]; problems: PreflightProblem[] };
const cache = new WeakMap<object, Map<string, Resolved>>();

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
