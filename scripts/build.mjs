// Bundles the CLI and one file per Lambda handler with esbuild (CommonJS, node22 as on Lambda).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { lazyBundlePlugin } from './esbuild-lazy-bundle.mjs';
import { userlandPunycodePlugin } from './esbuild-userland-punycode.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const handlerDir = path.join(root, 'handlers');
const handlers = readdirSync(handlerDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [userlandPunycodePlugin()],
};

await Promise.all([
  build({ ...common, entryPoints: [path.join(root, 'src/cli/main.ts')], outfile: path.join(root, 'dist/cli.cjs') }),
  ...handlers.map((file) =>
    build({
      ...common,
      minify: true,
      plugins: [...common.plugins, lazyBundlePlugin()],
      entryPoints: [path.join(handlerDir, file)],
      outfile: path.join(root, 'dist/handlers', file.replace(/\.ts$/, '.js')),
    }),
  ),
]);
