/**
 * src/injector: where an injection comes from, and the client for an injector webhook (webhook.ts, which applies
 * the webhook's answer with src/json-patch.ts). The injection engine gets the cluster's answers (node versions,
 * ConfigMaps) from here and never asks a cluster itself.
 *
 * Where a sidecar injection comes from, in istioctl kube-inject's order, so that every door (kube-inject, /mesh
 * inject, its Apply button, deploy --inject) injects what the team's own Istio would:
 *   1. explicit injector config files (the team's templates, rendered by mesh);
 *   2. with a cluster: the revision's injector webhook — what the cluster itself injects;
 *   3. the webhook cannot be reached: the revision's ConfigMaps (istio-sidecar-injector[-<rev>], istio[-<rev>]);
 *   4. no cluster (or no Istio in it): mesh's built-in templates (the pinned chart's), and the answer says so.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { errorMessage, UserError } from '../errors';
import { injectManifests, injectManifestsRemotely, injectionSettings, type InjectResult, type InjectionSettings } from '../inject';
import { getObject, listObjects } from '../kube/objects';
import type { KubeObject } from '../kube/types';
import { parseInjectorConfig } from '../inject/injector-config';
import { connectionErrorCode } from '../kube/unreachable';
import { INJECTOR_WEBHOOK_SUFFIX, ISTIO_NAMESPACE, REVISION_LABEL } from '../istio/vocabulary';
import { decideNativeSidecars, revisionNativeSidecars } from './native-sidecars';
import { InjectorUnreachable, webhookInjector, webhookTarget, type InjectorWebhook } from './webhook';
import type { JsonObject } from '../json-object';
import chart from '../istio/istio-chart.json';

const INJECT_CONFIGMAP = 'istio-sidecar-injector';
const MESH_CONFIGMAP = 'istio';
/** What the built-in engine's template is: for the "no cluster" answer. */
export const BUILTIN_TEMPLATE = `mesh's built-in templates (Istio ${chart.release}'s chart: its templates and default values)`;

export type InjectionSourceKind = 'files' | 'webhook' | 'configmap' | 'builtin';

/** Who injects: shown to the user with every injection. */
export interface InjectionOrigin {
  kind: InjectionSourceKind;
  /** Where the injection comes from, one line ("the cluster's injector … (revision default, https://…)"). */
  description: string;
  /** A note worth showing (a fallback taken and why). */
  note?: string;
}

/** An injection, and who made it: a webhook source that falls back says so in the result, not in itself. */
export interface SourcedInjectResult extends InjectResult {
  origin: InjectionOrigin;
}

/** Where injections come from, as first resolved (its `inject` may still fall back; the result says). */
export interface InjectionSource extends InjectionOrigin {
  inject(text: string, file: string): Promise<SourcedInjectResult>;
}

/** One line naming the origin and its note. */
export function describeOrigin(origin: InjectionOrigin): string {
  return `${origin.description}${origin.note ? ` (${origin.note})` : ''}`;
}

/** The distinct origins of several injections, one line (usually one origin). */
export function describeOrigins(results: { origin: InjectionOrigin }[]): string {
  return [...new Set(results.map((r) => describeOrigin(r.origin)))].join('; ');
}

/** A source whose every injection is made by `inject` and says this source made it. */
function sourceOf(origin: InjectionOrigin, inject: (text: string, file: string) => InjectResult | Promise<InjectResult>): InjectionSource {
  const { kind, description, note } = origin;
  const stamped: InjectionOrigin = { kind, description, ...(note ? { note } : {}) };
  return { ...stamped, inject: async (text, file) => ({ ...(await inject(text, file)), origin: stamped }) };
}

export interface InjectionRequest {
  /** The cluster to ask; undefined when there is none (offline). */
  kc?: KubeConfig;
  /** Control-plane revision (istioctl --revision); "" or undefined = default. */
  revision?: string;
  istioNamespace?: string;
  /** istioctl --injectConfigMapName / --meshConfigMapName / --webhookConfig. */
  injectConfigMapName?: string;
  meshConfigMapName?: string;
  webhookConfig?: string;
  /**
   * Settings for mesh's own render (values/mesh files for the built-in engine; a layout for any): `nativeSidecars`
   * left out is Istio's own choice — offline classic, as istioctl; with a cluster, what the revision's istiod decides.
   */
  builtin?: Parameters<typeof injectionSettings>[0];
  /** Per webhook call (istioctl: 5 s). */
  timeoutMs?: number;
}


const istioNamespace = (request: InjectionRequest) => request.istioNamespace ?? ISTIO_NAMESPACE;
const revisionName = (revision: string | undefined) => (revision && revision !== 'default' ? revision : 'default');
const suffixed = (base: string, revision: string | undefined) => (revision && revision !== 'default' ? `${base}-${revision}` : base);

/** The built-in engine, offline. */
export function builtinSource(settings: InjectionSettings, why: string): InjectionSource {
  return sourceOf({ kind: 'builtin', description: `${BUILTIN_TEMPLATE} — ${why}` }, (text, file) => injectManifests(text, file, settings));
}

/** The injector webhook of the revision: `--webhookConfig` by name, else the configuration labelled istio.io/rev. */
export async function findInjectorWebhook(kc: KubeConfig, request: InjectionRequest): Promise<InjectorWebhook | undefined> {
  const revision = revisionName(request.revision);
  const ask = async () => {
    if (request.webhookConfig) {
      const one = await getObject<KubeObject & { webhooks?: JsonObject[] }>(kc, {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: request.webhookConfig },
      });
      return one ? [one] : [];
    }
    const list = await listObjects<KubeObject & { webhooks?: JsonObject[] }>(kc, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', labelSelector: `${REVISION_LABEL}=${revision}`,
    });
    return list.items;
  };
  const configs = await clusterCall(kc, 'looking for the injector webhook', ask, request.timeoutMs);
  for (const config of configs) {
    const webhook = (config.webhooks ?? []).find((w) => String(w.name ?? '').endsWith(INJECTOR_WEBHOOK_SUFFIX));
    if (webhook?.clientConfig) return { name: `${config.metadata.name}/${webhook.name}`, clientConfig: webhook.clientConfig };
  }
  return undefined;
}

/** The cluster's API server does not answer: for injection, the same as having no cluster. */
class ClusterUnreachable extends UserError {}

/** A call to the API server, with a bound and a one-line error naming the server when it cannot be reached. */
async function clusterCall<T>(kc: KubeConfig, what: string, call: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const server = kc.getCurrentCluster()?.server ?? 'the cluster';
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ClusterUnreachable(`the cluster at ${server} did not answer within ${timeoutMs / 1000} s (${what})`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    const code = connectionErrorCode(error);
    if (code) throw new ClusterUnreachable(`the cluster at ${server} cannot be reached (${code}) while ${what}`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The revision's ConfigMaps: injector config and values, and the mesh config; undefined when the injector's is absent. */
async function readInjectorConfigMaps(kc: KubeConfig, request: InjectionRequest): Promise<{ name: string; config?: string; values: JsonObject; meshName: string; mesh: JsonObject } | undefined> {
  const namespace = istioNamespace(request);
  const name = request.injectConfigMapName ?? suffixed(INJECT_CONFIGMAP, request.revision);
  const meshName = request.meshConfigMapName ?? suffixed(MESH_CONFIGMAP, request.revision);
  const get = (n: string) => getObject<KubeObject & { data?: Record<string, string> }>(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace } });
  const [injector, mesh] = await clusterCall(kc, `reading the ConfigMaps ${name} and ${meshName}`, () => Promise.all([get(name), get(meshName)]), request.timeoutMs);
  if (!injector) return undefined;
  let values: JsonObject = {};
  if (injector.data?.values) {
    try {
      values = JSON.parse(injector.data.values);
    } catch (error) {
      throw new UserError(`ConfigMap ${namespace}/${name}: key values is not JSON (${errorMessage(error)})`);
    }
  }
  let meshConfig: JsonObject = {};
  if (mesh?.data?.mesh) {
    try {
      meshConfig = (parseYaml(mesh.data.mesh) as JsonObject | null) ?? {};
    } catch (error) {
      throw new UserError(`ConfigMap ${namespace}/${meshName}: key mesh is not YAML (${errorMessage(error).split('\n')[0]})`);
    }
  }
  return { name: `${namespace}/${name}`, config: injector.data?.config, values, meshName: `${namespace}/${meshName}`, mesh: meshConfig };
}

/** Path 1: explicit files, the given injector config's own templates rendered by mesh. */
export function filesSource(settings: InjectionSettings, files: string): InjectionSource {
  return sourceOf({ kind: 'files', description: `the injector config ${files}, rendered by mesh` }, (text, file) => injectManifests(text, file, settings));
}

/** Path 3: the cluster's ConfigMaps — their own templates (`config`), values and mesh config, rendered by mesh. */
async function configMapSource(
  kc: KubeConfig, maps: NonNullable<Awaited<ReturnType<typeof readInjectorConfigMaps>>>, request: InjectionRequest, note?: string,
): Promise<InjectionSource> {
  const injector = maps.config ? parseInjectorConfig(maps.config, `ConfigMap ${maps.name} (key config)`) : undefined;
  // The ConfigMap's values carry the revision as the chart set it ("" for the default revision): the templates
  // derive names from it (istiod vs istiod-<rev>), so the requested revision name must not override it.
  const revision = maps.values.revision !== undefined ? String(maps.values.revision) : request.revision;
  // The layout the revision's istiod would give (its ENABLE_NATIVE_SIDECARS, its nodes), unless one was asked for.
  const layout = request.builtin?.nativeSidecars !== undefined
    ? {}
    : await revisionNativeSidecars(kc, { namespace: istioNamespace(request), revision: revisionName(request.revision), values: maps.values, timeoutMs: request.timeoutMs });
  const settings = injectionSettings({ ...request.builtin, ...layout, values: maps.values, meshConfig: maps.mesh, revision, ...(injector ? { injector } : {}) });
  return sourceOf(
    { kind: 'configmap', description: `the cluster's injector ConfigMaps ${maps.name} and ${maps.meshName} (revision ${revisionName(request.revision)})`, note },
    (text, file) => injectManifests(text, file, settings),
  );
}

/**
 * Decides where injection comes from for this request (paths 2–4; path 1, explicit files, is the caller's). The
 * webhook is only tried when injecting: `inject` falls back to the ConfigMaps when it cannot be reached at all.
 */
export async function resolveInjectionSource(request: InjectionRequest): Promise<InjectionSource> {
  // No layout asked for means Istio's own choice; offline that is istioctl's: classic unless told.
  const offline = injectionSettings({ nativeSidecars: false, ...request.builtin, revision: request.revision });
  if (!request.kc) return builtinSource(offline, 'no cluster to ask');
  const kc = request.kc;
  const revision = revisionName(request.revision);
  let webhook: InjectorWebhook | undefined;
  try {
    webhook = await findInjectorWebhook(kc, request);
  } catch (error) {
    // A kubeconfig whose cluster is gone is no cluster at all: offline, as istioctl would be if it did not hang.
    if (error instanceof ClusterUnreachable) return builtinSource(offline, error.message);
    throw error;
  }
  if (!webhook) {
    const maps = await readInjectorConfigMaps(kc, request);
    if (maps) return configMapSource(kc, maps, request, `no injector webhook for revision ${revision}`);
    // The built-in chart's istiod default is auto: the cluster's nodes decide.
    const layout = request.builtin?.nativeSidecars !== undefined ? {} : await decideNativeSidecars(kc, 'auto', request.timeoutMs);
    return builtinSource(injectionSettings({ ...request.builtin, ...layout, revision: request.revision }), `the cluster has no Istio injector for revision ${revision}`);
  }
  const remote = webhookInjector(webhook, kc, { timeoutMs: request.timeoutMs });
  const settings = injectionSettings({ ...request.builtin, revision: request.revision });
  // Once the webhook cannot be reached, the rest of this request's files go to the ConfigMaps straight away
  // instead of each waiting for the same refusal.
  let fallback: Promise<InjectionSource> | undefined;
  const renderConfigMapsInstead = async (unreachable: InjectorUnreachable): Promise<InjectionSource> => {
    const maps = await readInjectorConfigMaps(kc, request);
    if (!maps) throw new UserError(`${unreachable.message}, and there is no injector ConfigMap to render instead`);
    return configMapSource(kc, maps, request, `${unreachable.message}; rendered from the ConfigMaps instead`);
  };
  const webhookSource = sourceOf(
    { kind: 'webhook', description: `the cluster's injector ${webhook.name} (revision ${revision}, ${webhookTarget(webhook)})` },
    (text, file) => injectManifestsRemotely(text, file, settings, remote),
  );
  return {
    ...webhookSource,
    inject: async (text, file) => {
      if (fallback) return (await fallback).inject(text, file);
      try {
        return await webhookSource.inject(text, file);
      } catch (error) {
        if (!(error instanceof InjectorUnreachable)) throw error;
        fallback ??= renderConfigMapsInstead(error);
        return (await fallback).inject(text, file);
      }
    },
  };
}

/** The proxy image the injected output carries (for summaries), if any. */
export function injectedProxyImage(output: string): string | undefined {
  const m = /\n\s*image: (\S+\/proxyv2:\S+)/.exec(output);
  return m?.[1];
}
