import { parse } from 'yaml';
import { errorMessage, UserError } from '../errors';
import type { ManifestDocument } from './manifests';

/** A rollout plan: named stages applied in order, each gated on the readiness of all its objects. */
export interface Plan {
  app: string;
  stages: PlanStage[];
}

export interface PlanStage {
  name: string;
  documents: ManifestDocument[];
}

/** plan.yaml: `stages: [{name, manifests: [file, …]}]`, files relative to the app's directory. */
export interface PlanFile {
  stages: { name: string; manifests: string[] }[];
}

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

export function parsePlanFile(text: string, source: string): PlanFile {
  let value: unknown;
  try {
    value = parse(text, { uniqueKeys: true, strict: true });
  } catch (error) {
    throw new UserError(`${source}: ${errorMessage(error).split('\n')[0]}`);
  }
  const stages = (value as { stages?: unknown } | null)?.stages;
  if (!Array.isArray(stages) || stages.length === 0) throw new UserError(`${source}: "stages" must be a non-empty list`);
  const names = new Set<string>();
  return {
    stages: stages.map((stage: { name?: unknown; manifests?: unknown }, i) => {
      if (typeof stage?.name !== 'string' || !stage.name) throw new UserError(`${source}: stage ${i + 1} has no name`);
      if (names.has(stage.name)) throw new UserError(`${source}: stage "${stage.name}" is declared twice`);
      names.add(stage.name);
      const manifests = stage.manifests;
      if (!Array.isArray(manifests) || manifests.length === 0 || !manifests.every((m) => typeof m === 'string')) {
        throw new UserError(`${source}: stage "${stage.name}" needs a non-empty "manifests" list of file names`);
      }
      return { name: stage.name, manifests: manifests as string[] };
    }),
  };
}

/**
 * Stages for a plain set of manifests: one per distinct `argocd.argoproj.io/sync-wave` (ascending, absent =
 * wave 0, as Argo CD does), or a single stage when no document carries the annotation.
 */
export function stagesFromSyncWaves(documents: ManifestDocument[]): PlanStage[] {
  const waves = new Map<number, ManifestDocument[]>();
  for (const doc of documents) {
    const raw = doc.object.metadata.annotations?.[SYNC_WAVE_ANNOTATION];
    const wave = raw === undefined ? 0 : Number(raw);
    if (!Number.isInteger(wave)) {
      throw new UserError(`${doc.file}:${doc.line}: ${SYNC_WAVE_ANNOTATION} must be an integer, got "${raw}"`);
    }
    waves.set(wave, [...(waves.get(wave) ?? []), doc]);
  }
  const annotated = documents.some((d) => d.object.metadata.annotations?.[SYNC_WAVE_ANNOTATION] !== undefined);
  if (!annotated) return [{ name: 'all', documents }];
  return [...waves.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, docs]) => ({ name: `wave ${wave}`, documents: docs }));
}
