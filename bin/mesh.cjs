#!/usr/bin/env node
'use strict';
// Runs the bundled CLI; builds it first when a bundle is missing (e.g. install scripts were skipped).
// `mesh kube-inject` has a bundle of its own (see src/cli/kube-inject-main.ts): same code, a third of the memory.
const path = require('node:path');
const fs = require('node:fs');
const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, process.argv[2] === 'kube-inject' ? 'kube-inject.cjs' : 'cli.cjs');
if (![bundle, path.join(dist, 'client-node.cjs')].every((file) => fs.existsSync(file))) {
  require('node:child_process').execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.mjs')], {
    stdio: 'inherit',
  });
}
require(bundle).runCli();
