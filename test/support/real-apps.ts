// The real applications of ../shared/apps (Bookinfo, Online Boutique, httpbin, curl, helloworld, as upstream
// ships them; see its README): where they are, their files, and the objects each consists of.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifestDocuments } from '../../src/rollout/manifests';
import type { KubeObject } from '../../src/kube/types';

const REPO = path.resolve(__dirname, '../..');

/**
 * The folder: MESH_REAL_APPS_DIR, else `../shared/apps` beside the repository (a worktree one level deeper
 * looks one level further up). Missing is an error, never a skipped test.
 */
export function realAppsDir(): string {
  const candidates = [process.env.MESH_REAL_APPS_DIR, path.resolve(REPO, '../shared/apps'), path.resolve(REPO, '../../shared/apps')].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(path.join(c, 'README.md')));
  if (!found) throw new Error(`the real applications are not there (looked in ${candidates.join(', ')}); set MESH_REAL_APPS_DIR`);
  return found;
}

export const REAL_APPS = ['bookinfo', 'online-boutique', 'httpbin', 'curl', 'helloworld'] as const;
export type RealApp = (typeof REAL_APPS)[number];

/** The app's manifest files: name → text, exactly as shipped. */
export function realAppFiles(app: RealApp): Record<string, string> {
  const dir = path.join(realAppsDir(), app);
  return Object.fromEntries(readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

/** Every object of the app, as its files declare it. */
export function realAppObjects(app: RealApp): KubeObject[] {
  return Object.entries(realAppFiles(app)).flatMap(([file, text]) => parseManifestDocuments(text, file).map((d) => d.object));
}
