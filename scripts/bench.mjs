// `npm run bench`: runs every benchmark module in scripts/bench/ (or only those named on the command line)
// and prints its report. Each module exports `name` and `default async function run(): Promise<string[]>`
// returning report lines; targets are reported, never asserted as timed unit tests.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench');
const only = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

let failed = false;
for (const file of modules) {
  const mod = await import(pathToFileURL(path.join(dir, file)).href);
  const name = mod.name ?? file;
  process.stdout.write(`\n## ${name}\n`);
  try {
    for (const line of await mod.default()) process.stdout.write(`${line}\n`);
  } catch (error) {
    failed = true;
    process.stdout.write(`FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
