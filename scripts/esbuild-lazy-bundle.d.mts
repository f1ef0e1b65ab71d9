import type { Plugin } from 'esbuild';
export function lazyBundlePlugin(options?: { onInputs?: (entry: string, inputs: string[]) => void }): Plugin;
