// Benchmarks measure the project's TypeScript as it ships: bundled by esbuild into CommonJS, then required.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Bundles `exportsSource` (TypeScript re-exports, paths relative to the project root) into `<dir>/<name>.cjs`
 * and requires it. The file stays in `dir`, e.g. for a worker thread to load it too.
 */
export async function loadTs(dir, name, exportsSource) {
  const outfile = path.join(dir, `${name}.cjs`);
  await build({
    stdin: { contents: exportsSource, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
  });
  return createRequire(import.meta.url)(outfile);
}
