// Layers point one way: no module of src/ or handlers/ can reach itself through its imports, no folder of src/
// can reach itself through the folders it imports, and every import is one the layer map allows
// (test/architecture/layers.ts, also the source of docs/architecture.md's layer table). A cycle makes two modules
// one (neither can be read, tested or bundled without the other); the messages name the modules so the import
// can be cut, or the map changed on purpose, where it is.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cycles, folderGraph, importGraph, ROOT } from './import-graph';
import { entriesNotBelow, forbiddenImports, layerTable } from './layers';

const files = importGraph();

test('the graph is read from the sources (it sees the entry points and their imports)', () => {
  expect(files.get('handlers/slack.ts')).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/slack\//)]));
  expect(files.size).toBeGreaterThan(100);
});

test('no import cycle between files', () => {
  expect(cycles(files)).toEqual([]);
});

test('no import cycle between the folders of src/', () => {
  expect(cycles(folderGraph(files))).toEqual([]);
});

test('the cycle finder finds a cycle through three modules and a module importing itself', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e']],
  ]);
  expect(cycles(graph)).toEqual([['a', 'b', 'c'], ['e']]);
});

test('the layer map points one way: each layer imports only layers below it', () => {
  expect(entriesNotBelow()).toEqual([]);
});

test('every import of src/ and handlers/ is allowed by the layer map', () => {
  expect(forbiddenImports(files)).toEqual([]);
});

test('the layer check refuses an import upwards, one into a module it was not given, a root module importing a folder, and an unmapped folder', () => {
  const graph = new Map([
    ['src/kube/config.ts', ['src/cluster/cluster.ts', 'src/errors.ts', 'src/kube/types.ts']],
    ['src/inject/policy.ts', ['src/kube/label-selector.ts', 'src/kube/objects.ts']],
    ['src/errors.ts', ['src/kube/types.ts']],
    ['src/cli/main.ts', ['src/slack/handler.ts', 'src/elsewhere/x.ts']],
    ['src/elsewhere/x.ts', []],
  ]);
  expect(forbiddenImports(graph)).toEqual([
    'src/cli/main.ts → src/elsewhere/x.ts: src/cli may not import a module outside the layer map',
    'src/elsewhere/x.ts: its folder is not in the layer map (test/architecture/layers.ts)',
    'src/errors.ts → src/kube/types.ts: a root module of src/ imports nothing of the project',
    'src/inject/policy.ts → src/kube/objects.ts: src/inject may not import src/kube',
    'src/kube/config.ts → src/cluster/cluster.ts: src/kube may not import src/cluster',
  ]);
});

test("docs/architecture.md's layer table is the one the map renders", () => {
  const rootModules = readdirSync(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts')).sort().map((f) => `src/${f}`);
  const expected = layerTable(rootModules);
  const doc = readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const table = /^\| Path \| What lives there \|.*(?:\n\|.*)*/m.exec(doc)?.[0];
  // On a difference, the message shows the table to paste into docs/architecture.md.
  expect(table).toBe(expected);
});
