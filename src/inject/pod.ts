// The core of injection for one pod (webhook.go injectPod): strip a previous injection, render the
// templates (the given injector's, else the pinned chart's), strategic-merge them, re-apply user overrides of istio-proxy/istio-init, post-process.
import type { InjectionSettings } from './settings';
import { proxyImage, proxyInitImage } from './settings';
import { builtinInjector, goValues, renderInjectionTemplate, selectTemplates } from './injector-config';
import type { TemplateDataInput } from './template-data';
import { strategicMerge } from './merge';
import { normalize, goJson } from './normalize';
import { validateAnnotations } from './validate';
import { effectiveProxyConfig } from './proxyconfig';
import { dumpAppProbers, rewriteAppProbes, shouldRewriteAppProbers } from './probes';
import { applyPrometheusMerge, clearPrometheusAnnotations, prometheusPort } from './prometheus';
import { errorMessage, UserError } from '../errors';
import { PROXY_CONTAINER, SIDECAR_STATUS_ANNOTATION } from '../istio/vocabulary';
import type { JsonObject } from '../json-object';

export interface PodContext {
  typeMeta: { apiVersion?: string; kind?: string };
  deployMeta: { name: string; namespace: string };
  settings: InjectionSettings;
}

const OVERRIDES = 'proxy.istio.io/overrides';

interface Status {
  initContainers: string[];
  containers: string[];
}

function parseStatus(pod: JsonObject): Status | undefined {
  const raw = pod.metadata?.annotations?.[SIDECAR_STATUS_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const s = JSON.parse(raw);
    if (!s || typeof s !== 'object') return undefined;
    const names = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { initContainers: names(s.initContainers), containers: names(s.containers) };
  } catch {
    return undefined;
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function find(list: JsonObject[] | undefined, name: string): JsonObject | undefined {
  return (list ?? []).find((c) => c.name === name);
}

function parseOverrides(pod: JsonObject): { containers: JsonObject[]; initContainers: JsonObject[] } {
  const raw = pod.metadata?.annotations?.[OVERRIDES];
  if (raw === undefined) return { containers: [], initContainers: [] };
  let parsed: JsonObject;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new UserError(`invalid value for annotation '${OVERRIDES}': ${errorMessage(e)}`);
  }
  const list = (v: unknown) => (Array.isArray(v) ? (v as JsonObject[]).map((c) => normalize(c, 'Container') as JsonObject) : []);
  return { containers: list(parsed?.containers), initContainers: list(parsed?.initContainers) };
}

/** stripPod + reinsertOverrides: the pod as it was before a previous injection. */
function strippedPod(pod: JsonObject, meshStatusPort: number): JsonObject {
  let out = pod;
  const status = parseStatus(pod);
  if (status) {
    out = clone(pod);
    out.spec.containers = (out.spec.containers ?? []).filter((c: JsonObject) => !status.containers.includes(c.name));
    out.spec.initContainers = (out.spec.initContainers ?? []).filter((c: JsonObject) => !status.initContainers.includes(c.name));
    const annos = out.metadata.annotations;
    if (prometheusPort(annos) === String(meshStatusPort)) clearPrometheusAnnotations(annos);
    delete annos[SIDECAR_STATUS_ANNOTATION];
  }
  const overrides = parseOverrides(out);
  if (overrides.containers.length || overrides.initContainers.length) {
    out = clone(out);
    for (const c of overrides.containers) if (!find(out.spec.containers, c.name)) (out.spec.containers ??= []).push(c);
    for (const c of overrides.initContainers) if (!find(out.spec.initContainers, c.name)) (out.spec.initContainers ??= []).push(c);
  }
  return out;
}

function moveToInit(pod: JsonObject, name: string): JsonObject {
  const out = clone(pod);
  const i = (out.spec.containers ?? []).findIndex((c: JsonObject) => c.name === name);
  if (i < 0) return out;
  const [c] = out.spec.containers.splice(i, 1);
  (out.spec.initContainers ??= []).push(c);
  return out;
}

function asPod(pod: JsonObject): JsonObject {
  return normalize(pod, 'Pod') as JsonObject;
}

function reapplyOverwrittenContainers(finalPod: JsonObject, original: JsonObject, template: TemplateNames, ctx: PodContext): JsonObject {
  const existing = parseOverrides(original);
  const status = parseStatus(original);
  const overrides: { containers: JsonObject[]; initContainers: JsonObject[] } = { containers: [], initContainers: [] };
  const overlayOf = (match: JsonObject) => {
    const overlay = clone(match);
    if (overlay.image === 'auto') delete overlay.image;
    return normalize(overlay, 'Container') as JsonObject;
  };
  for (const name of template.containers ?? []) {
    // Go skips containers a previous injection added; keeping recorded overrides makes re-injection idempotent.
    if (status?.containers.includes(name) && !find(existing.containers, name)) continue;
    const match = find(existing.containers, name) ?? find(original.spec.containers, name);
    if (!match) continue;
    const overlay = overlayOf(match);
    overrides.containers.push(overlay);
    finalPod = asPod(strategicMerge(finalPod, { spec: { containers: [overlay] } }));
  }
  for (const name of template.initContainers ?? []) {
    if (status?.initContainers.includes(name) && !find(existing.initContainers, name)) continue;
    const match =
      find(existing.initContainers, name) ?? find(original.spec.containers, name) ?? find(original.spec.initContainers, name);
    if (!match) continue;
    const overlay = overlayOf(match);
    overrides.initContainers.push(overlay);
    finalPod = asPod(strategicMerge(finalPod, { spec: { containers: [], initContainers: [overlay] } }));
  }
  if (!status && (overrides.containers.length || overrides.initContainers.length)) {
    const json: JsonObject = {};
    if (overrides.containers.length) json.containers = overrides.containers;
    if (overrides.initContainers.length) json.initContainers = overrides.initContainers;
    finalPod.metadata.annotations = { ...(finalPod.metadata.annotations ?? {}), [OVERRIDES]: goJson(json) };
  }
  adjustInitContainerUser(finalPod, original, ctx);
  return finalPod;
}

function adjustInitContainerUser(finalPod: JsonObject, original: JsonObject, ctx: PodContext): void {
  const user = find(original.spec.containers, PROXY_CONTAINER) ?? find(original.spec.initContainers, PROXY_CONTAINER);
  const sc = user?.securityContext;
  if (!sc || (sc.runAsUser === undefined && sc.runAsGroup === undefined)) return;
  const init = find(finalPod.spec.initContainers, 'istio-init') ?? find(finalPod.spec.initContainers, 'istio-validation');
  if (!init) return;
  const mode = finalPod.metadata.annotations?.['sidecar.istio.io/interceptionMode'];
  const tproxy = ctx.settings.meshConfig.defaultConfig?.interceptionMode === 'TPROXY' || mode === 'TPROXY';
  if (tproxy && sc.runAsUser !== undefined) {
    const sidecar = find(finalPod.spec.containers, PROXY_CONTAINER) ?? find(finalPod.spec.initContainers, PROXY_CONTAINER);
    if (sidecar?.securityContext) sidecar.securityContext.runAsUser = 0;
  }
  if (!tproxy && init.name === 'istio-validation') {
    init.securityContext ??= {};
    if (sc.runAsUser !== undefined) init.securityContext.runAsUser = sc.runAsUser;
    if (sc.runAsGroup !== undefined) init.securityContext.runAsGroup = sc.runAsGroup;
  }
  if (!sc.runAsUser) return;
  const args: string[] = init.args ?? [];
  const i = args.indexOf('-u');
  if (i >= 0 && i + 1 < args.length) args[i + 1] = String(sc.runAsUser);
}

function modifyContainers(list: JsonObject[] | undefined, name: string, where: 'first' | 'last'): JsonObject[] | undefined {
  if (!list) return list;
  const match = list.find((c) => c.name === name);
  if (!match) return list;
  const rest = list.filter((c) => c.name !== name);
  return where === 'first' ? [match, ...rest] : [...rest, match];
}

function reorderPod(pod: JsonObject, holdPod: boolean): void {
  const spec = pod.spec;
  spec.containers = modifyContainers(spec.containers, PROXY_CONTAINER, holdPod ? 'first' : 'last');
  if (find(spec.initContainers, PROXY_CONTAINER)) {
    for (const name of ['enable-core-dump', PROXY_CONTAINER, 'istio-validation', 'istio-init']) {
      spec.initContainers = modifyContainers(spec.initContainers, name, 'first');
    }
  } else {
    spec.initContainers = modifyContainers(spec.initContainers, 'istio-validation', 'first');
    spec.initContainers = modifyContainers(spec.initContainers, 'istio-init', 'last');
    spec.initContainers = modifyContainers(spec.initContainers, 'enable-core-dump', 'last');
  }
}

function mergeProbers(env: JsonObject[], probers: string, previouslyInjected: boolean): JsonObject[] {
  const name = 'ISTIO_KUBE_APP_PROBERS';
  const i = previouslyInjected ? env.findIndex((e) => e.name === name) : -1;
  if (i < 0) return [...env, { name, value: probers }];
  let existing: JsonObject;
  try {
    existing = JSON.parse(env[i].value);
  } catch {
    return env;
  }
  const merged: JsonObject = { ...JSON.parse(probers), ...existing };
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((k) => [k, normalizeProber(merged[k])]),
  );
  const out = [...env];
  out[i] = { name, value: goJson(sorted) };
  return out;
}

function normalizeProber(p: JsonObject): JsonObject | null {
  if (!p) return null;
  const out: JsonObject = {};
  if (p.httpGet) out.httpGet = normalize(p.httpGet, 'HTTPGetAction');
  if (p.tcpSocket) out.tcpSocket = normalize(p.tcpSocket, 'TCPSocketAction');
  if (p.grpc) out.grpc = normalize(p.grpc, 'GRPCAction');
  if (p.timeoutSeconds) out.timeoutSeconds = p.timeoutSeconds;
  return out;
}

function injectionStatus(names: TemplateNames, revision: string): string {
  return goJson({
    initContainers: names.initContainers ?? null,
    containers: names.containers ?? null,
    volumes: names.volumes ?? null,
    imagePullSecrets: names.imagePullSecrets ?? null,
    revision: revision || 'default',
  });
}

/**
 * Injects the sidecar into a pod ({metadata, spec}, already in typed form, see normalize); returns a
 * new pod and leaves the input untouched.
 */
export function injectPodCore(pod: JsonObject, ctx: PodContext): JsonObject {
  const settings = ctx.settings;
  validateAnnotations(pod.metadata.annotations ?? {});
  const meshStatusPort = Number(settings.meshConfig.defaultConfig?.statusPort ?? 15020);
  const proxyConfig = effectiveProxyConfig(settings.meshConfig, pod.metadata.annotations ?? {});
  const mesh = { ...settings.meshConfig, defaultConfig: proxyConfig };
  const stripped = strippedPod(pod, meshStatusPort);
  const injector = settings.injector ?? builtinInjector();
  const overlays = selectTemplates(injector, pod.metadata.annotations ?? {}).map((name) =>
    renderInjectionTemplate(injector, name, templateDataInput(stripped, proxyConfig, ctx)),
  );
  let merged = pod;
  let templatePod: JsonObject = {};
  for (const overlay of overlays) {
    templatePod = strategicMerge(templatePod, overlay);
    if (
      isNativeSidecar(merged.metadata, settings.nativeSidecars) &&
      find(templatePod.spec?.initContainers, PROXY_CONTAINER) &&
      find(merged.spec.containers, PROXY_CONTAINER)
    ) {
      merged = moveToInit(merged, PROXY_CONTAINER);
    }
    merged = asPod(strategicMerge(merged, overlay));
  }
  const added = templateNames(templatePod.spec ?? {});
  merged = reapplyOverwrittenContainers(merged, pod, added, ctx);
  merged.metadata.annotations ??= {};
  merged.metadata.labels ??= {};

  updateClusterEnvs(merged, settings);
  const promStatusPort = Number(proxyConfig.statusPort ?? 15020);
  applyPrometheusMerge(merged, mesh, promStatusPort);

  const sidecar = find(merged.spec.containers, PROXY_CONTAINER) ?? find(merged.spec.initContainers, PROXY_CONTAINER);
  if (sidecar && shouldRewriteAppProbers(merged.metadata.annotations, settings.values.sidecarInjectorWebhook?.rewriteAppHTTPProbe !== false)) {
    const probers = dumpAppProbers(merged.spec, promStatusPort);
    if (probers) sidecar.env = mergeProbers(sidecar.env ?? [], probers, SIDECAR_STATUS_ANNOTATION in merged.metadata.annotations);
    const annoPort = merged.metadata.annotations['status.sidecar.istio.io/port'];
    rewriteAppProbes(merged.spec, annoPort !== undefined ? Number.parseInt(annoPort, 10) || 0 : promStatusPort);
  }
  const network = networkOf(pod, settings);
  if (network) merged.metadata.labels['topology.istio.io/network'] = network;
  merged.metadata.annotations[SIDECAR_STATUS_ANNOTATION] = injectionStatus(added, settings.revision);
  const holdPod = proxyConfig.holdApplicationUntilProxyStarts === true || settings.values.global?.proxy?.holdApplicationUntilProxyStarts === true;
  reorderPod(merged, holdPod);
  return asPod(merged);
}

/** SidecarTemplateData's fields for a stripped pod, as Istio's RunTemplate fills them. */
export function templateDataInput(stripped: JsonObject, proxyConfig: JsonObject, ctx: PodContext): TemplateDataInput {
  const settings = ctx.settings;
  const annotations = stripped.metadata.annotations ?? {};
  return {
    typeMeta: ctx.typeMeta,
    deployMeta: ctx.deployMeta,
    metadata: stripped.metadata,
    spec: stripped.spec,
    proxyConfig,
    meshConfig: { ...settings.meshConfig, defaultConfig: proxyConfig },
    values: goValues(settings.values),
    revision: settings.revision,
    nativeSidecars: settings.nativeSidecars,
    proxyImage: proxyImage(settings, annotations),
    proxyInitImage: proxyInitImage(settings, annotations),
    // istioctl has no namespace object: Istio's default proxy UID/GID.
    proxyUID: 1337,
    proxyGID: 1337,
    inboundTrafficPolicyMode: inboundTrafficPolicyMode(settings.meshConfig),
    compliancePolicy: settings.compliancePolicy,
  };
}

/** inject.InboundTrafficPolicyMode: the mesh's inboundTrafficPolicy.mode, lower-cased ("" when unset). */
function inboundTrafficPolicyMode(mesh: JsonObject): string {
  const mode = mesh.inboundTrafficPolicy?.mode;
  return mode === 'LOCALHOST' || mode === 1 ? 'localhost' : mode === 'PASSTHROUGH' || mode === 0 ? 'passthrough' : 'passthrough';
}

function networkOf(pod: JsonObject, settings: InjectionSettings): string {
  const label = pod.metadata.labels?.['topology.istio.io/network'];
  if (label !== undefined) return String(label);
  return String(settings.values.global?.network ?? '');
}

/** Cluster id / network from values replace the template's env vars, appended in sorted order. */
function updateClusterEnvs(pod: JsonObject, settings: InjectionSettings): void {
  const envs: Record<string, string> = {};
  const cluster = settings.values.global?.multiCluster?.clusterName;
  if (cluster) envs.ISTIO_META_CLUSTER_ID = String(cluster);
  const network = networkOf(pod, settings);
  if (network) envs.ISTIO_META_NETWORK = network;
  const sidecar = find(pod.spec.containers, PROXY_CONTAINER) ?? find(pod.spec.initContainers, PROXY_CONTAINER);
  if (!sidecar || Object.keys(envs).length === 0) return;
  sidecar.env = [
    ...(sidecar.env ?? []).filter((e: JsonObject) => !(e.name in envs)),
    ...Object.keys(envs)
      .sort()
      .map((name) => ({ name, value: envs[name] })),
  ];
}

export function isNativeSidecar(meta: JsonObject, nativeSidecars: boolean): boolean {
  const anno = meta.annotations?.['sidecar.istio.io/nativeSidecar'];
  return (anno === undefined || anno === null || anno === '' ? String(nativeSidecars) : String(anno)) !== 'false';
}

/** The names the rendered template adds, per pod spec list. */
export interface TemplateNames {
  containers?: string[];
  initContainers?: string[];
  volumes?: string[];
  imagePullSecrets?: Array<string | undefined>;
}

/**
 * The names the typed (normalised) template would list, read from the rendered one: the injection needs
 * only these from it, and typing the whole template cost ~15% of a pod's injection. Its values were already
 * type-checked when the template was merged into the pod. Typed, an absent name is "" (required field)
 * except on a pull secret (omitempty), and an empty list is absent.
 */
export function templateNames(spec: JsonObject): TemplateNames {
  const named = (list: unknown): JsonObject[] | undefined => (Array.isArray(list) && list.length > 0 ? list : undefined);
  const nameOf = (item: JsonObject | null): string => item?.name ?? '';
  return {
    containers: named(spec.containers)?.map(nameOf),
    initContainers: named(spec.initContainers)?.map(nameOf),
    volumes: named(spec.volumes)?.map(nameOf),
    imagePullSecrets: named(spec.imagePullSecrets)?.map((item) => nameOf(item) || undefined),
  };
}
