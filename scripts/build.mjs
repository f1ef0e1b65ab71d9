// Bundles the CLI and one file per Lambda handler with esbuild (CommonJS, node22 as on Lambda).
// The CLI is dist/cli.cjs (every command) plus dist/kube-inject.cjs (that one command, which bin/mesh.cjs loads
// for `mesh kube-inject` so that it does not pay for loading the rest); both take @kubernetes/client-node from
// dist/client-node.cjs, which a process loads only when it talks to a cluster.
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

const CLIENT_NODE = '@kubernetes/client-node';

/** Imports of @kubernetes/client-node become `require('./client-node.cjs')`, resolved next to the CLI bundles. */
function sharedClientNodePlugin() {
  return {
    name: 'shared-client-node',
    setup(build) {
      build.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: './client-node.cjs', external: true }));
    },
  };
}

const cli = {
  ...common,
  plugins: [...common.plugins, sharedClientNodePlugin()],
  // A dynamic import of the external client-node becomes a require, as in the rest of a CommonJS bundle.
  supported: { 'dynamic-import': false },
};

await Promise.all([
  build({ ...cli, entryPoints: [path.join(root, 'src/cli/main.ts')], outfile: path.join(root, 'dist/cli.cjs') }),
  build({ ...cli, entryPoints: [path.join(root, 'src/cli/kube-inject-main.ts')], outfile: path.join(root, 'dist/kube-inject.cjs') }),
  build({
    ...common,
    stdin: { contents: `export * from '${CLIENT_NODE}';`, resolveDir: root, sourcefile: 'client-node.ts', loader: 'ts' },
    outfile: path.join(root, 'dist/client-node.cjs'),
  }),
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
