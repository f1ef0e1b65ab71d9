// `import source from 'lazy-bundle:./x'`: the separately bundled code of ./x as a string (brotli, base64)
// (scripts/esbuild-lazy-bundle.mjs), evaluated on demand with src/slack/lazy-module.ts.
declare module 'lazy-bundle:*' {
  const source: string;
  export default source;
}
