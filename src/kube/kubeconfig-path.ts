// mesh's one kubeconfig lookup order, kubectl's, without loading a Kubernetes client: `mesh kube-inject` asks it on
// every run, and most runs never open a connection (its bundle keeps @kubernetes/client-node out until then).
// resolveKubeConfig (config.ts) loads and merges the files this finds; every door goes through it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { homeDir } from '../config';
import { UserError } from '../errors';

export interface KubeconfigLookup {
  /** `--kubeconfig <path>` (relative to `cwd`). */
  kubeconfig?: string;
  /** KUBECONFIG and HOME are read from it. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Step 3, ~/.kube/config (default true). The console passes false: it is where people try mesh out, and a
   * kubeconfig nobody named for it (often a production context) must not become its cluster silently.
   */
  homeConfig?: boolean;
}

export interface KubeconfigFiles {
  /** Where the files came from, as errors name it: `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`. */
  origin: string;
  /** The existing files, in kubectl's merge order (the first to set a value wins). */
  files: string[];
}

/**
 * The kubeconfig files a command uses, in kubectl's (and istioctl's) order:
 *   1. `--kubeconfig <path>`: that file alone; it must exist;
 *   2. KUBECONFIG: every listed file that exists, merged as kubectl merges them (missing ones are skipped, as
 *      kubectl skips them; none existing is an error naming them);
 *   3. ~/.kube/config, when it exists (not for the console: `homeConfig: false`).
 * Undefined when none applies: then the CLI and the console fall back to the running local cluster, and every
 * other door has no cluster.
 */
export function kubeconfigFiles(lookup: KubeconfigLookup): KubeconfigFiles | undefined {
  const cwd = lookup.cwd ?? process.cwd();
  if (lookup.kubeconfig) {
    const file = path.resolve(cwd, lookup.kubeconfig);
    if (!existsSync(file)) throw new UserError(`--kubeconfig ${file} does not exist`);
    return { origin: '--kubeconfig', files: [file] };
  }
  const listed = (lookup.env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean).map((f) => path.resolve(cwd, f));
  if (listed.length > 0) {
    const files = [...new Set(listed)].filter((f) => existsSync(f));
    if (files.length > 0) return { origin: 'KUBECONFIG', files };
    throw new UserError(listed.length === 1 ? `KUBECONFIG ${listed[0]} does not exist` : `KUBECONFIG ${listed.join(path.delimiter)}: none of these files exists`);
  }
  if (lookup.homeConfig === false) return undefined;
  const home = path.join(homeDir(lookup.env), '.kube', 'config');
  return existsSync(home) ? { origin: '~/.kube/config', files: [home] } : undefined;
}
