// esbuild plugins for serverless-esbuild (serverless.yml custom.esbuild.plugins), the same as scripts/build.mjs
// uses, so `osls package` bundles the handlers exactly like `npm run build`. serverless-esbuild loads this
// file with require(); the plugin module is ESM, so it is imported when esbuild sets the plugin up.
module.exports = [
  {
    name: 'lazy-bundle',
    async setup(build) {
      const { lazyBundlePlugin } = await import('./esbuild-lazy-bundle.mjs');
      await lazyBundlePlugin().setup(build);
    },
  },
  {
    name: 'userland-punycode',
    async setup(build) {
      const { userlandPunycodePlugin } = await import('./esbuild-userland-punycode.mjs');
      userlandPunycodePlugin().setup(build);
    },
  },
];
