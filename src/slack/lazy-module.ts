// Evaluates a CommonJS bundle held as a string (see scripts/esbuild-lazy-bundle.mjs) on first use.
import { createRequire } from 'node:module';
import { runInThisContext } from 'node:vm';

export function evaluateBundle<T>(source: string, filename: string): T {
  const module = { exports: {} as T };
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename }) as (
    ...args: unknown[]
  ) => void;
  wrapper(module.exports, createRequire(filename), module, filename, filename.replace(/[/\\][^/\\]*$/, ''));
  return module.exports;
}
