// Preloaded with `node --require`: on exit, writes every CommonJS module the process loaded to
// $MESH_LOADED_MODULES, one path a line, so a test can see which bundles a command pulled in.
'use strict';
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.MESH_LOADED_MODULES, Object.keys(require.cache).filter((file) => file !== __filename).join('\n'));
});
