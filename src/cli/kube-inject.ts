// `mesh kube-inject`: istioctl kube-inject's interface over the injection engine.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIO } from './io';
import { readAll } from './io';
import { parseCommandArgs } from './args';
import { istioSwitches, localRenderNativeSidecars } from '../config';
import { errorMessage, UserError } from '../errors';
import { injectionSettings } from '../inject';
import { parseInjectorConfig } from '../inject/injector-config';
import { parseManifests } from '../yaml/manifests';
import { kubeconfigFiles, type KubeconfigLookup } from '../kube/kubeconfig-path';

const MAX_INPUT_BYTES = 4 * 1024 * 1024;

interface Options {
  file?: string;
  output?: string;
  valuesFile?: string;
  meshConfigFile?: string;
  injectConfigFile?: string;
  nativeSidecars: 'true' | 'false' | 'auto';
  revision?: string;
  kubeconfig?: string;
  istioNamespace?: string;
  injectConfigMapName?: string;
  meshConfigMapName?: string;
  webhookConfig?: string;
}

function parseOptions(args: string[]): Options {
  const { values } = parseCommandArgs('kube-inject', args, {
    filename: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    valuesFile: { type: 'string' },
    meshConfigFile: { type: 'string' },
    injectConfigFile: { type: 'string' },
    'native-sidecars': { type: 'string', default: 'auto' },
    revision: { type: 'string', short: 'r' },
    kubeconfig: { type: 'string' },
    istioNamespace: { type: 'string', short: 'i' },
    injectConfigMapName: { type: 'string' },
    meshConfigMapName: { type: 'string' },
    webhookConfig: { type: 'string' },
  });
  const { filename: file, output, valuesFile, meshConfigFile, injectConfigFile, revision, kubeconfig, istioNamespace, injectConfigMapName, meshConfigMapName, webhookConfig } = values;
  const nativeSidecars = values['native-sidecars'];
  if (!file) throw new UserError('missing -f <file|->: the manifest to inject');
  if (nativeSidecars !== 'true' && nativeSidecars !== 'false' && nativeSidecars !== 'auto') {
    throw new UserError(`--native-sidecars must be true, false or auto, not "${nativeSidecars}"`);
  }
  return {
    file, output, valuesFile, meshConfigFile, injectConfigFile, nativeSidecars, revision, kubeconfig, istioNamespace, injectConfigMapName, meshConfigMapName,
    webhookConfig,
  };
}

function readText(file: string, cwd: string): string {
  try {
    const buf = readFileSync(path.resolve(cwd, file));
    if (buf.length > MAX_INPUT_BYTES) throw new UserError(`${file}: input is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
    return buf.toString('utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
}

/** A values or mesh-config file: one YAML mapping. */
function readConfigFile(file: string, cwd: string): unknown {
  const docs = parseManifests(readText(file, cwd), file);
  if (docs.length === 0) return {};
  if (docs.length > 1) throw new UserError(`${file}: expected one YAML document, found ${docs.length}`);
  const value = docs[0].value;
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file}:${docs[0].startLine}: expected a YAML mapping`);
  return value;
}

/**
 * true/false as given. auto (nativeSidecars left out) is Istio's own choice: offline classic, as istioctl; with a
 * cluster the injection source decides it as the revision's istiod would (src/injector/native-sidecars.ts).
 * Explicit files are rendered by no istiod: there auto is what istioctl's local render does, which reads
 * ENABLE_NATIVE_SIDECARS from its own environment (native only for "true") and asks no cluster.
 */
function nativeSidecarsOption(
  mode: Options['nativeSidecars'],
  hasKubeconfig: boolean,
  explicitFiles: boolean,
  env: NodeJS.ProcessEnv,
): { nativeSidecars?: boolean } {
  if (mode !== 'auto') return { nativeSidecars: mode === 'true' };
  if (explicitFiles) return { nativeSidecars: localRenderNativeSidecars(env) };
  if (!hasKubeconfig) return { nativeSidecars: false };
  return {};
}

async function loadKubeconfig(lookup: KubeconfigLookup) {
  const { resolveKubeConfig } = await import('../kube/config');
  return resolveKubeConfig(lookup);
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const opts = parseOptions(args);
  const source = opts.file === '-' ? '<stdin>' : opts.file!;
  let text: string;
  if (opts.file === '-') {
    try {
      text = (await readAll(io.stdin, MAX_INPUT_BYTES)).toString('utf8');
    } catch (e) {
      throw new UserError(`<stdin>: ${errorMessage(e)}`);
    }
  } else text = readText(opts.file!, io.cwd);
  const values = opts.valuesFile ? readConfigFile(opts.valuesFile, io.cwd) : undefined;
  const meshConfig = opts.meshConfigFile ? readConfigFile(opts.meshConfigFile, io.cwd) : undefined;
  const injector = opts.injectConfigFile ? parseInjectorConfig(readText(opts.injectConfigFile, io.cwd), opts.injectConfigFile) : undefined;
  const explicitFiles = values !== undefined || meshConfig !== undefined || injector !== undefined;
  // The cluster istioctl would ask, in kubectl's order (--kubeconfig, KUBECONFIG, ~/.kube/config). Explicit config
  // files mean "render these", so no cluster is looked up then.
  const lookup: KubeconfigLookup = { kubeconfig: opts.kubeconfig, env: io.env, cwd: io.cwd };
  const kubeconfig = explicitFiles ? undefined : kubeconfigFiles(lookup);
  // Istio's own switches (COMPLIANCE_POLICY) come from this process's environment, as istioctl reads its own.
  const builtin = { values, meshConfig, revision: opts.revision, ...istioSwitches(io.env), ...nativeSidecarsOption(opts.nativeSidecars, kubeconfig !== undefined, explicitFiles, io.env) };
  const { resolveInjectionSource, builtinSource, filesSource, injectedProxyImage } = await import('../injector/resolve');
  const given = [opts.injectConfigFile, opts.valuesFile, opts.meshConfigFile].filter(Boolean).join(', ');
  const injection = injector
    ? filesSource(injectionSettings({ ...builtin, injector }), given)
    : explicitFiles
      ? builtinSource(injectionSettings(builtin), `with ${given}`)
      : await resolveInjectionSource({
          kc: kubeconfig ? await loadKubeconfig(lookup) : undefined,
          revision: opts.revision,
          istioNamespace: opts.istioNamespace,
          injectConfigMapName: opts.injectConfigMapName,
          meshConfigMapName: opts.meshConfigMapName,
          webhookConfig: opts.webhookConfig,
          builtin,
        });
  const result = await injection.inject(text, source);
  const image = injectedProxyImage(result.output);
  const { description, note } = result.origin;
  io.stderr(`mesh kube-inject: injected by ${description}${image ? `, proxy ${image}` : ''}${note ? ` (${note})` : ''}\n`);
  if (opts.output) {
    try {
      writeFileSync(path.resolve(io.cwd, opts.output), result.output);
    } catch (e) {
      throw new UserError(`cannot write ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
    }
  } else io.stdout(result.output);
  for (const w of result.warnings) io.stderr(`${w}\n`);
  return 0;
}
