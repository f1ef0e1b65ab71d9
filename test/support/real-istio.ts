/**
 * Real Istio as the oracle: the istioctl built from Go modules (scripts/istio/build.sh), its injector
 * configuration as its own `manifest generate` renders it, and mesh's engine set up with the same
 * configuration, so both can be run on the same inputs and compared byte for byte.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { injectionSettings, type InjectionSettings } from '../../src/inject';
import { ISTIO_RELEASE, istioBinaryPath, istioManifestPath, type IstioRelease } from '../../src/cluster/versions';
import type { JsonObject } from '../../src/json-object';

export interface InjectorConfig {
  /** The `config` key of the istio-sidecar-injector ConfigMap: templates and policy. */
  injectConfigFile: string;
  /** Its `values` key (JSON). */
  valuesFile: string;
  /** The `mesh` key of the `istio` ConfigMap. */
  meshConfigFile: string;
  values: JsonObject;
  meshConfig: JsonObject;
}

/** Writes the injector configuration of a rendered manifest (default: the built default profile) to files. */
export function injectorConfig(manifestYaml = readFileSync(istioManifestPath(), 'utf8'), revision = 'default'): InjectorConfig {
  const suffix = revision === 'default' ? '' : `-${revision}`;
  const maps = parseAllDocuments(manifestYaml)
    .map((d) => d.toJS() as JsonObject | null)
    .filter((o): o is JsonObject => o?.kind === 'ConfigMap');
  const injector = maps.find((m) => m.metadata.name === `istio-sidecar-injector${suffix}`);
  const mesh = maps.find((m) => m.metadata.name === `istio${suffix}`);
  if (!injector || !mesh) throw new Error(`the Istio manifest has no istio-sidecar-injector${suffix}/istio${suffix} ConfigMaps`);
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-istio-config-'));
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  return {
    injectConfigFile: file('inject-config.yaml', injector.data.config),
    valuesFile: file('values.json', injector.data.values),
    meshConfigFile: file('mesh.yaml', mesh.data.mesh),
    values: JSON.parse(injector.data.values),
    meshConfig: parse(mesh.data.mesh) ?? {},
  };
}

/** mesh's engine with the same values and mesh config as istioctl gets from the files. */
export function meshSettings(config: InjectorConfig, nativeSidecars: boolean): InjectionSettings {
  return injectionSettings({ values: config.values, meshConfig: config.meshConfig, nativeSidecars });
}

export interface IstioctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `istioctl kube-inject` with explicit configuration files. istioctl still opens a Kubernetes client (and
 * hangs without a reachable cluster), so it gets the local cluster's kubeconfig; with these flags it reads
 * nothing that matters from it. Native sidecars follow ENABLE_NATIVE_SIDECARS, as in istioctl's offline mode.
 */
export function istioctlKubeInject(
  file: string,
  config: InjectorConfig,
  options: { kubeconfig: string; nativeSidecars: boolean; release?: IstioRelease },
): Promise<IstioctlResult> {
  const args = ['kube-inject', '-f', file, '--injectConfigFile', config.injectConfigFile, '--valuesFile', config.valuesFile, '--meshConfigFile', config.meshConfigFile];
  return runIstioctl(args, { KUBECONFIG: options.kubeconfig, ENABLE_NATIVE_SIDECARS: String(options.nativeSidecars) }, options.release);
}

/** The built istioctl (of `release`, default 1.31) with `args`; killed after two minutes (it has no timeout of its own). */
export function runIstioctl(args: string[], env: Record<string, string>, release: IstioRelease = ISTIO_RELEASE): Promise<IstioctlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(istioBinaryPath('istioctl', process.env, release), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * The two deltas between Istio 1.31 (the built istioctl and istiod, and mesh's built-in chart) and istio's goldens
 * (1.32-dev), taken out of a 1.31 output before comparing it with a golden; nothing else is touched:
 * 1. 1.31's template gives istio-proxy a `GOMAXPROCS` env var from limits.cpu, which master's dropped
 *    (istio-discovery/files/injection-template.yaml);
 * 2. 1.31's mesh.DefaultProxyConfig() has no `concurrency`, master's has 2, so a pod that sets
 *    `concurrency: 2` keeps it in PROXY_CONFIG with 1.31 and not with master (cleanProxyConfig drops defaults).
 */
export function withoutVersionDeltas(yamlText: string): string {
  return yamlText
    .replace(/^( *)- name: GOMAXPROCS\n\1 {2}valueFrom:\n\1 {4}resourceFieldRef:\n\1 {6}divisor: "1"\n\1 {6}resource: limits\.cpu\n/gm, '')
    .replace(/\{"concurrency":2\}/g, '{}')
    .replace(/"concurrency":2,|,"concurrency":2(?=[,}])/g, '');
}

/** The first few differing lines, istioctl's (-) against mesh's (+). */
export function lineDiff(theirs: string, ours: string): string {
  const a = theirs.split('\n');
  const b = ours.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 12; i++) {
    if (a[i] !== b[i]) out.push(`  line ${i + 1}: - ${a[i] ?? ''}`, `  line ${i + 1}: + ${b[i] ?? ''}`);
  }
  return out.join('\n');
}

/** The documents of a kube-inject output (each ends with `---`), for a per-document comparison. */
export function outputDocuments(text: string): string[] {
  return text.split(/^---\n/m).filter((d, i, all) => i < all.length - 1 || d !== '');
}

/** `istioctl manifest generate` with extra `--set`s (e.g. `revision=canary`), rendered offline like the build's. */
export async function renderManifest(sets: string[]): Promise<string> {
  const args = ['manifest', 'generate', '--set', 'values.global.hub=docker.io/istio', '--set', 'values.global.tag=1.31.0', ...sets.flatMap((s) => ['--set', s])];
  const result = await runIstioctl(args, { KUBECONFIG: '/dev/null' });
  if (result.code !== 0) throw new Error(`istioctl manifest generate failed (exit ${result.code}): ${result.stderr.slice(-500)}`);
  return result.stdout;
}
