import type { Plugin } from 'esbuild';
export function lazyBundlePlugin(options?: {
  /** The modules the lazy bundle holds (those only dead code imports are left out). */
  onInputs?: (entry: string, bundled: string[]) => void;
}): Plugin;
