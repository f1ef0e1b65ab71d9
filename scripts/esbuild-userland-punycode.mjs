// esbuild plugin: `require('punycode')` (node-fetch 2's URL code, under @kubernetes/client-node) gets the npm
// package of the same code instead of Node's built-in module, which Node 22 (Lambda's nodejs22.x) deprecates
// with a DEP0040 warning on every cold start.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function userlandPunycodePlugin() {
  return {
    name: 'userland-punycode',
    setup(build) {
      build.onResolve({ filter: /^punycode$/ }, () => ({ path: require.resolve('punycode/') }));
    },
  };
}
