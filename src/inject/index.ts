// The injection engine: one pure module behind every door (CLI, Slack, rollout, webhook). What lives here:
// kube-inject over manifests (workloads.ts), one pod's injection (pod.ts), the injection policy (policy.ts), the
// injector's Go templates — the pinned chart's built in, or an explicit config's (injector-config.ts,
// template-data.ts, template-funcs.ts) — and Go's typed encoding (normalize.ts over k8s-schema.json, generated from
// Kubernetes' Go types). Pure: it never reaches a cluster, the network or a file — of the Kubernetes adapter
// it uses only the label-selector matcher, and src/injector asks the cluster (node versions, its injector) and
// passes the answers in. Its imports are the layer map's (test/architecture/layers.ts).
import { eachManifest } from '../yaml/manifests';
import { toIstioYaml } from '../yaml/istio-yaml';
import { UserError } from '../errors';
import { proxyImage as buildProxyImage, type InjectionSettings } from './settings';
import { injectList, injectObject, isRecognisedKind, type WorkloadResult } from './workloads';
import { injectPodCore } from './pod';
import { normalize } from './normalize';
import type { JsonObject } from '../json-object';

export type { InjectionSettings } from './settings';
export type { WorkloadResult } from './workloads';
export { injectionSettings, nativeSidecarsSupported } from './settings';
export { decidePodInjection, type InjectionDecision } from './policy';

export interface InjectResult {
  output: string;
  warnings: string[];
  workloads: WorkloadResult[];
}

/**
 * istioctl kube-inject over a (multi-document) manifest; throws UserError on bad input (nothing is returned,
 * so nothing is written). One document is decoded, injected and emitted at a time, so a large file costs its
 * text, the output and one document's objects, not every document's.
 */
export function injectManifests(text: string, source: string, settings: InjectionSettings): InjectResult {
  const warnings: string[] = [];
  const workloads: WorkloadResult[] = [];
  const pieces: string[] = [];
  for (const doc of eachManifest(text, source, {}, { blankDocuments: true })) {
    const value = doc.value as JsonObject | null;
    const kind = value && typeof value === 'object' && !Array.isArray(value) ? value.kind : undefined;
    if (!isRecognisedKind(kind)) {
      pieces.push(`${doc.separator}${asReadLine(doc.raw)}---\n`);
      continue;
    }
    try {
      const injected =
        kind === 'List' ? injectList(value!, settings, warnings, workloads) : injectObject(value!, settings, warnings, workloads);
      pieces.push(`${toIstioYaml(injected)}---\n`);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${source}:${doc.startLine}: ${e.message}`);
      throw e;
    }
  }
  return { output: pieces.join(''), warnings, workloads };
}

/**
 * Kubernetes' YAMLReader reads line by line: CRLF line ends become LF and the last line gets its newline. A
 * document istioctl does not re-encode is written back as read, blank ones and their opening separator included.
 */
function asReadLine(raw: string): string {
  const text = raw.replace(/\r\n/g, '\n');
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** The webhook door: inject one pod owned by `owner`. */
export function injectPod(
  pod: object,
  owner: { kind: string; name: string; namespace: string; apiVersion: string },
  settings: InjectionSettings,
): { pod: object } {
  const typed = normalize(pod, 'Pod') as JsonObject;
  const out = injectPodCore(
    { metadata: typed.metadata, spec: typed.spec },
    {
      typeMeta: { kind: owner.kind, apiVersion: owner.apiVersion },
      deployMeta: { name: owner.name, namespace: owner.namespace },
      settings,
    },
  );
  // injectPodCore's metadata and spec are already typed (normalising is idempotent), so they go back into
  // the typed pod as they are; the input pod is never modified (normalize copies it).
  return { pod: { ...typed, metadata: out.metadata, spec: out.spec } };
}

/** `<hub>/proxyv2:<tag>` (image name and variant from values). */
export function proxyImage(settings: InjectionSettings): string {
  return buildProxyImage(settings);
}

/** The pods of a manifest sent to an injector over the network at once; answers in the same order. */
export type RemotePodInjector = (
  requests: { pod: { metadata: JsonObject; spec: JsonObject }; namespace: string }[],
) => Promise<(JsonObject | undefined)[]>;

/**
 * kube-inject with every pod injected by a remote injector (the cluster's webhook), as istioctl does without
 * config files. The engine walks the manifest twice — once to collect the pods, once to put the answers back —
 * so that the network calls can run together instead of one per workload in sequence.
 */
export async function injectManifestsRemotely(
  text: string, source: string, settings: InjectionSettings, remote: RemotePodInjector,
): Promise<InjectResult> {
  const requests: Parameters<RemotePodInjector>[0] = [];
  injectManifests(text, source, {
    ...settings,
    externalInjector: (pod, namespace) => {
      requests.push({ pod: structuredClone(pod), namespace });
      return pod;
    },
  });
  const answers = await remote(requests);
  let next = 0;
  return injectManifests(text, source, { ...settings, externalInjector: () => answers[next++] });
}
