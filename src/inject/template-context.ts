// What the built-in sidecar template reads, computed once per pod before any part of it renders: the values
// and configs it reads, the pod's labels and annotations, the interception mode and the layout (native sidecar
// or classic). Every part of the template (template.ts, template-proxy.ts, template-cni.ts) takes this.
import type { InjectionSettings, Values } from './settings';
import { annotation, orDefault } from './template-helpers';
import { PROXY_CONTAINER } from '../istio/vocabulary';
import type { JsonObject } from '../json-object';

export interface TemplateInput {
  /** The workload the pod belongs to (its kind and apiVersion name the pod's owner). */
  typeMeta: { apiVersion?: string; kind?: string };
  deployMeta: { name: string; namespace: string };
  metadata: JsonObject; // stripped pod metadata
  spec: JsonObject; // stripped pod spec
  proxyConfig: JsonObject; // effective ProxyConfig (mesh defaultConfig + proxy.istio.io/config)
  settings: InjectionSettings;
}

export interface TemplateContext extends TemplateInput {
  values: Values;
  /** `values.global` */
  globalValues: JsonObject;
  /** `values.global.proxy` */
  proxyValues: JsonObject;
  meshConfig: Values;
  annotations: JsonObject;
  labels: JsonObject;
  /** REDIRECT, TPROXY or NONE: the pod's annotation, else the proxy config's. */
  interceptionMode: string;
  /** The layout: istio-proxy as a native sidecar (an init container that keeps running) or a classic container. */
  nativeSidecar: boolean;
  /** The pod's own containers, in order. */
  appContainers: string[];
}

export function isNativeSidecar(meta: JsonObject, nativeSidecars: boolean): boolean {
  return orDefault(meta.annotations?.['sidecar.istio.io/nativeSidecar'], String(nativeSidecars)) !== 'false';
}

export function templateContext(input: TemplateInput): TemplateContext {
  const { metadata, spec, proxyConfig, settings } = input;
  const values = settings.values;
  const globalValues: JsonObject = values.global ?? {};
  return {
    ...input,
    values,
    globalValues,
    proxyValues: globalValues.proxy ?? {},
    meshConfig: settings.meshConfig,
    annotations: metadata.annotations ?? {},
    labels: metadata.labels ?? {},
    interceptionMode: annotation(metadata, 'sidecar.istio.io/interceptionMode', proxyConfig.interceptionMode ?? 'REDIRECT'),
    nativeSidecar: isNativeSidecar(metadata, settings.nativeSidecars),
    appContainers: (spec.containers ?? []).map((c: JsonObject) => c.name).filter((n: string) => n !== PROXY_CONTAINER),
  };
}
