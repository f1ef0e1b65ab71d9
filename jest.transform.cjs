// Jest runs CommonJS; our TypeScript and the ESM-only dependencies (@kubernetes/client-node and the
// packages it pulls in, see kubernetes-client/javascript#2600) are turned into CJS with esbuild.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const loader = filename.endsWith('.ts') ? 'ts' : 'js';
    const { code, map } = transformSync(source, {
      loader,
      format: 'cjs',
      target: 'node20',
      sourcemap: 'both',
      sourcefile: filename,
      supported: { 'dynamic-import': false },
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return require('crypto').createHash('sha1').update(filename).update('\0').update(source).update('v1').digest('hex');
  },
};
