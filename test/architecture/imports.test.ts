// Layers point one way: no module of src/ or handlers/ can reach itself through its imports, and no folder of
// src/ can reach itself through the folders it imports. A cycle makes two modules one (neither can be read,
// tested or bundled without the other); the message names the modules so the cycle can be cut where it is.
import { cycles, folderGraph, importGraph } from './import-graph';

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
