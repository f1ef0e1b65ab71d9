// Every row of CASES.md, with the setting it names: semantic equality for all, byte identity for the
// cases listed in byte-identical.txt, and honest bookkeeping of both lists.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { injectManifests } from '../../src/inject';
import { loadCases, readInject, readList, settingsFor, type Case } from './cases';
import { withoutVersionDeltas } from '../support/real-istio';

const cases = loadCases();
const byteIdentical = new Set(readList('byte-identical.txt'));
const knownDifferences = new Map(
  readList('known-differences.txt').map((line) => {
    const [id, ...reason] = line.split(' -- ');
    return [id.trim(), reason.join(' -- ').trim()] as const;
  }),
);

function docs(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

/**
 * The built-in engine is the pinned Istio 1.31 chart; the goldens are 1.32-dev. The two release deltas between
 * them (see withoutVersionDeltas) are taken out of mesh's output, nothing else.
 */
function run(c: Case): { output?: string; error?: string } {
  try {
    return { output: withoutVersionDeltas(injectManifests(readInject(c.input), c.input, settingsFor(c)).output) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('kube-inject conformance (CASES.md)', () => {
  it('has the 82 rows of the table (77 goldens, 5 error cases)', () => {
    const rows = new Set(cases.map((c) => `${c.input}|${c.golden ?? ''}`));
    expect(rows.size).toBe(82);
    expect(cases.filter((c) => c.golden).map((c) => c.golden).filter((g, i, a) => a.indexOf(g) === i)).toHaveLength(77);
    expect(cases.filter((c) => !c.golden)).toHaveLength(5);
  });

  it('states the honest counts in the developer guide', () => {
    const page = readFileSync(path.resolve(__dirname, '../../docs/developer-guide/differential-suites.md'), 'utf8');
    const start = page.indexOf("## Conformance with istio's goldens");
    const section = page.slice(start, page.indexOf('\n## ', start + 1));
    const rows = new Set(cases.map((c) => `${c.input}|${c.golden ?? ''}`));
    const differingRows = new Set(cases.filter((c) => knownDifferences.has(c.id)).map((c) => `${c.input}|${c.golden ?? ''}`));
    const goldens = new Set(cases.filter((c) => c.golden).map((c) => c.golden));
    const identicalGoldens = new Set(cases.filter((c) => c.golden && byteIdentical.has(c.id)).map((c) => c.golden));
    expect(section).toContain(`**${rows.size - differingRows.size}/${rows.size}** rows`);
    expect(section).toContain(`**${identicalGoldens.size}/${goldens.size}** goldens`);
  });

  it('lists only real case ids in byte-identical.txt and known-differences.txt', () => {
    const ids = new Set(cases.map((c) => c.id));
    for (const id of [...byteIdentical, ...knownDifferences.keys()]) expect(ids.has(id) ? id : `unknown: ${id}`).toBe(id);
  });

  for (const c of cases.filter((x) => x.golden)) {
    const known = knownDifferences.get(c.id);
    if (known !== undefined) {
      it(`${c.id} still differs (known difference: ${known})`, () => {
        const { output } = run(c);
        expect(output === undefined ? 'error' : docs(output)).not.toEqual(docs(readInject(c.golden!)));
      });
      continue;
    }
    it(`${c.id} is semantically equal to the golden`, () => {
      const { output, error } = run(c);
      expect(error).toBeUndefined();
      expect(docs(output!)).toEqual(docs(readInject(c.golden!)));
    });
    if (byteIdentical.has(c.id)) {
      it(`${c.id} is byte-identical to the golden`, () => {
        expect(run(c).output).toBe(readInject(c.golden!));
      });
    }
  }

  for (const c of cases.filter((x) => !x.golden)) {
    it(`${c.input} fails naming "${c.errorContains}"`, () => {
      const { output, error } = run(c);
      expect(output).toBeUndefined();
      expect(error!.toLowerCase()).toContain(c.errorContains!.toLowerCase());
      expect(error).not.toContain('\n');
    });
  }
});
