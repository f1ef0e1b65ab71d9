// Preloaded with `node --require` into a Lambda runtime under RIE (test/support/lambda.ts): records the name of
// every environment variable the process reads (`process.env.X`, `'X' in process.env`) and who read it — the
// function's code (a file under the task root: the bundle, with the libraries bundled into it), Node itself
// (`node:` internals) or the runtime client — one `name<TAB>reader` line per pair, appended to
// $MESH_TEST_ENV_READS as it is first seen: the runtime may be killed at any moment, so nothing waits for exit.
// The variable naming the file is removed first, so the function never sees it.
'use strict';
const { appendFileSync } = require('node:fs');
const path = require('node:path');

const file = process.env.MESH_TEST_ENV_READS;
const taskRoot = `${path.resolve(process.env.LAMBDA_TASK_ROOT || process.cwd())}${path.sep}`;
delete process.env.MESH_TEST_ENV_READS;

/** Who made the read: the first stack frame outside this file. */
function reader() {
  const frames = String(new Error().stack).split('\n').slice(1);
  for (const frame of frames) {
    const location = /\((.*):\d+:\d+\)$/.exec(frame)?.[1] ?? /at (.*):\d+:\d+$/.exec(frame)?.[1];
    if (!location || location === __filename) continue;
    if (location.startsWith('node:')) return 'node';
    return location.replace(/^file:\/\//, '').startsWith(taskRoot) ? 'function' : 'runtime';
  }
  return 'node';
}

if (file) {
  const seen = new Set();
  const note = (name) => {
    if (typeof name !== 'string') return;
    const key = `${name}\t${reader()}`;
    if (seen.has(key)) return;
    seen.add(key);
    appendFileSync(file, `${key}\n`);
  };
  process.env = new Proxy(process.env, {
    get(target, name) {
      note(name);
      return Reflect.get(target, name);
    },
    has(target, name) {
      note(name);
      return Reflect.has(target, name);
    },
  });
}
