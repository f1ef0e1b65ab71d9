// Evaluates a CommonJS bundle held as a compressed string (see scripts/esbuild-lazy-bundle.mjs) on first use.
import { createRequire } from 'node:module';
import { runInThisContext } from 'node:vm';
import { brotliDecompressSync } from 'node:zlib';

export function evaluateBundle<T>(packed: string, filename: string): T {
  const source = brotliDecompressSync(Buffer.from(packed, 'base64')).toString('utf8');
  const module = { exports: {} as T };
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename }) as (
    ...args: unknown[]
  ) => void;
  wrapper(module.exports, createRequire(filename), module, filename, filename.replace(/[/\\][^/\\]*$/, ''));
  return module.exports;
}
