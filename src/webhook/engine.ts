/** The webhook's one connection to the injection engine (the same engine `mesh kube-inject` uses). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, UserError } from '../errors';
import { decidePodInjection, injectPod, injectionSettings, type InjectionSettings } from '../inject';
import { parseManifests } from '../yaml/manifests';
import type { PodInjector, PodJson } from './review';

export function injectorFromSettings(settings: InjectionSettings): PodInjector {
  return {
    decide: (pod, namespace) => decidePodInjection(pod, namespace, settings),
    inject: (pod, owner) => ({ pod: injectPod(pod, owner, settings).pod as PodJson }),
  };
}

function readYamlMapping(file: string, cwd: string): unknown {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`);
  }
  return parseManifests(text, file)[0]?.value ?? {};
}

/**
 * Settings as kube-inject builds them from --valuesFile / --meshConfigFile, so both doors inject alike;
 * `compliancePolicy` is the serving process's COMPLIANCE_POLICY, as istiod reads its own.
 */
export function engineInjector(options: { valuesFile?: string; meshConfigFile?: string; cwd: string; compliancePolicy?: string }): PodInjector {
  return injectorFromSettings(
    injectionSettings({
      values: options.valuesFile ? readYamlMapping(options.valuesFile, options.cwd) : undefined,
      meshConfig: options.meshConfigFile ? readYamlMapping(options.meshConfigFile, options.cwd) : undefined,
      ...(options.compliancePolicy ? { compliancePolicy: options.compliancePolicy } : {}),
    }),
  );
}
