// Hostile manifests through the injection engine and through the `mesh kube-inject` door (in-process, as
// bin/mesh.cjs runs it): output, or a refusal of one line naming file and line; never a crash. Seeded: the
// same generator as `npm run bench reliability`, which runs 10,000 and reports time per case and memory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from '@fast-check/jest';
import { UserError } from '../../src/errors';
import { injectManifests, injectionSettings } from '../../src/inject';
import { runCli } from '../support/run-cli';
import { FUZZ_SEED } from './support/commands';
import { BASE_MANIFESTS, hostileManifest, unclearRefusal } from './support/manifests';

jest.setTimeout(120_000);

const settings = injectionSettings();

/** The engine's answer to `text`: output, or the refusal's message; anything else is thrown on. */
function inject(text: string, file = 'fuzz.yaml'): { output: string } | { refusal: string } {
  try {
    return { output: injectManifests(text, file, settings).output };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { refusal: error.message };
  }
}

describe('the injection engine', () => {
  test.prop([hostileManifest], { seed: FUZZ_SEED, numRuns: 80 })('injects or refuses in one line naming file and line', ({ text }) => {
    const result = inject(text);
    if ('refusal' in result) expect(unclearRefusal(result.refusal, 'fuzz.yaml')).toBeUndefined();
    else expect(typeof result.output).toBe('string');
  });

  // Minimal cases of what the fuzzing found.
  const pod = BASE_MANIFESTS[1]!;
  const withProxyConfig = (value: string) => pod.replace('proxy.istio.io/config: |\n      holdApplicationUntilProxyStarts: true', `proxy.istio.io/config: ${JSON.stringify(value)}`);

  it('refuses a deeply nested proxy.istio.io/config instead of parsing it for seconds (or exhausting the heap)', () => {
    const result = inject(withProxyConfig('['.repeat(200_000)));
    expect(result).toEqual({ refusal: expect.stringMatching(/^fuzz\.yaml:1: Pod "debug": injection failed: invalid value '\[{200}… \(200000 characters\)' for annotation 'proxy\.istio\.io\/config': .*too deeply nested/) });
  });

  it('names an invalid annotation value without echoing all of it', () => {
    const result = inject(pod.replace('sidecar.istio.io/interceptionMode: REDIRECT', `sidecar.istio.io/interceptionMode: ${'X'.repeat(100_000)}`));
    expect('refusal' in result && result.refusal.length).toBeLessThan(1000);
    expect(result).toEqual({ refusal: expect.stringMatching(/invalid value 'X{200}… \(100000 characters\)' for annotation 'sidecar\.istio\.io\/interceptionMode'/) });
  });

  it("refuses annotations over the API server's 256 KiB before interpreting them", () => {
    const result = inject(withProxyConfig('holdApplicationUntilProxyStarts: true\n'.repeat(10_000)));
    expect(result).toEqual({ refusal: 'fuzz.yaml:1: Pod "debug": metadata.annotations: Too long: must have at most 262144 bytes (has 380062)' });
  });
});

describe('the kube-inject door (mesh kube-inject -f <file>)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-fuzz-inject-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.prop([hostileManifest], { seed: FUZZ_SEED + 1, numRuns: 40 })('exits 0 with output, or 1 with one line naming file and line', async ({ text }) => {
    writeFileSync(path.join(dir, 'case.yaml'), text);
    const run = await runCli(['kube-inject', '-f', 'case.yaml', '--native-sidecars', 'false'], { env: {}, cwd: dir });
    if (run.code === 0) return;
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(unclearRefusal(run.stderr.replace(/^mesh kube-inject: /, '').slice(0, -1), 'case.yaml')).toBeUndefined();
  });
});
