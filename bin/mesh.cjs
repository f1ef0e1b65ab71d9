#!/usr/bin/env node
'use strict';
// Runs the bundled CLI; builds it first when the bundle is missing (e.g. install scripts were skipped).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.cjs');
if (!fs.existsSync(bundle)) {
  require('node:child_process').execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.mjs')], {
    stdio: 'inherit',
  });
}
require(bundle).runCli();
