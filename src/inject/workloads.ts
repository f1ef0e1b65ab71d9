// kube-inject's per-object logic (inject.go IntoObject): find the pod template of each workload kind,
// decide whether to inject, inject, write the pod back. Objects come and go in typed (normalised) form.
import { UserError } from '../errors';
import { nativeSidecarsSupported, type InjectionSettings } from './settings';
import { injectPodCore } from './pod';
import { decideInjection } from './policy';
import { normalize } from './normalize';
import type { JsonObject } from '../json-object';

/** Kinds istioctl decodes (matched by kind name, whatever the apiVersion) → schema type. */
export const WORKLOAD_KINDS = new Set([
  'Pod',
  'Deployment',
  'DaemonSet',
  'ReplicaSet',
  'StatefulSet',
  'Job',
  'CronJob',
  'ReplicationController',
  'DeploymentConfig',
]);

export interface WorkloadResult {
  kind: string;
  name: string;
  namespace?: string;
  injected: boolean;
  containersAdded: string[];
}

export function isRecognisedKind(kind: unknown): kind is string {
  return typeof kind === 'string' && (WORKLOAD_KINDS.has(kind) || kind === 'List');
}

/** Go's %q for the plain names that appear in warnings. */
function quote(s: string): string {
  return JSON.stringify(s);
}

const CRONJOB_NAME = /^(.+)-\d{8,10}$/;

/** pkg/kube GetDeployMetaFromPod: the workload a bare pod reports as its owner. */
export function deployMetaFromPod(pod: JsonObject): { deployMeta: { name: string; namespace: string }; typeMeta: { kind: string; apiVersion: string } } {
  const meta = pod.metadata ?? {};
  const deployMeta = { name: meta.name ?? '', namespace: meta.namespace ?? '' };
  const typeMeta = { kind: 'Pod', apiVersion: 'v1' };
  if (meta.generateName) {
    const ref = (meta.ownerReferences ?? []).find((r: JsonObject) => r?.controller === true);
    if (ref) {
      typeMeta.apiVersion = ref.apiVersion ?? '';
      typeMeta.kind = ref.kind ?? '';
      deployMeta.name = ref.name ?? '';
      const labels = meta.labels ?? {};
      const hash = labels['pod-template-hash'];
      const rolloutHash = labels['rollouts-pod-template-hash'];
      if (typeMeta.kind === 'ReplicaSet' && hash && deployMeta.name.endsWith(hash)) {
        deployMeta.name = deployMeta.name.endsWith(`-${hash}`) ? deployMeta.name.slice(0, -(hash.length + 1)) : deployMeta.name;
        typeMeta.kind = 'Deployment';
      } else if (typeMeta.kind === 'ReplicaSet' && rolloutHash && deployMeta.name.endsWith(rolloutHash)) {
        deployMeta.name = deployMeta.name.endsWith(`-${rolloutHash}`) ? deployMeta.name.slice(0, -(rolloutHash.length + 1)) : deployMeta.name;
        typeMeta.kind = 'Rollout';
        typeMeta.apiVersion = 'v1alpha1';
      } else if (typeMeta.kind === 'ReplicationController' && labels.deploymentconfig) {
        deployMeta.name = labels.deploymentconfig;
        typeMeta.kind = 'DeploymentConfig';
      } else if (typeMeta.kind === 'Job') {
        const m = CRONJOB_NAME.exec(deployMeta.name);
        if (m) {
          deployMeta.name = m[1];
          typeMeta.kind = 'CronJob';
          typeMeta.apiVersion = 'batch/v1';
        }
      }
    }
  }
  if (!deployMeta.name) deployMeta.name = meta.name ?? '';
  return { deployMeta, typeMeta };
}

/** Where a kind keeps its pod: a getter for metadata/spec and a setter writing the injected pod back. */
function podSlot(obj: JsonObject, kind: string): { meta: JsonObject; spec: JsonObject; put: (pod: JsonObject) => void } {
  if (kind === 'Pod') {
    return { meta: obj.metadata, spec: obj.spec, put: (pod) => Object.assign(obj, { metadata: pod.metadata, spec: pod.spec }) };
  }
  if (kind === 'CronJob') {
    const jt = obj.spec.jobTemplate;
    return {
      meta: jt.metadata,
      spec: jt.spec.template.spec,
      put: (pod) => {
        jt.metadata = pod.metadata;
        jt.spec.template.spec = pod.spec;
      },
    };
  }
  const template = obj.spec.template;
  return {
    meta: template.metadata,
    spec: template.spec,
    put: (pod) => {
      template.metadata = pod.metadata;
      template.spec = pod.spec;
    },
  };
}

/** Injects one decoded object (not a List); returns the typed result. */
export function injectObject(value: JsonObject, settings: InjectionSettings, warnings: string[], workloads: WorkloadResult[]): JsonObject {
  const kind: string = value.kind;
  const label = `${kind} ${quote(typeof value.metadata?.name === 'string' ? value.metadata.name : '')}`;
  try {
    return injectTyped(value, kind, settings, warnings, workloads);
  } catch (e) {
    if (e instanceof UserError && !e.message.startsWith(label)) throw new UserError(`${label}: ${e.message}`);
    throw e;
  }
}

function hasPodTemplate(value: JsonObject, kind: string): boolean {
  if (kind === 'Pod') return true;
  const template = kind === 'CronJob' ? value.spec?.jobTemplate?.spec?.template : value.spec?.template;
  return typeof template === 'object' && template !== null && !Array.isArray(template);
}

function injectTyped(value: JsonObject, kind: string, settings: InjectionSettings, warnings: string[], workloads: WorkloadResult[]): JsonObject {
  // Go only rejects a nil template for kinds that hold it by pointer; an absent template is never useful.
  if (!hasPodTemplate(value, kind)) {
    throw new UserError(kind === 'CronJob' ? 'spec.jobTemplate.spec.template is required value' : 'spec.template is required value');
  }
  const obj = normalize(value, kind) as JsonObject;
  const slot = podSlot(obj, kind);
  let deployMeta = { name: obj.metadata?.name ?? '', namespace: obj.metadata?.namespace ?? '' };
  let typeMeta: { kind?: string; apiVersion?: string } = { kind: obj.kind, apiVersion: obj.apiVersion };
  if (kind === 'Pod') ({ deployMeta, typeMeta } = deployMetaFromPod(obj));
  const name = slot.meta?.name || deployMeta.name;
  const fullName = deployMeta.namespace ? `${deployMeta.namespace}/${name}` : name;
  const warnKind = typeMeta.kind ? `${typeMeta.kind} ` : '';
  const result: WorkloadResult = { kind, name: obj.metadata?.name ?? '', injected: false, containersAdded: [] };
  if (obj.metadata?.namespace) result.namespace = obj.metadata.namespace;
  workloads.push(result);

  if (slot.spec?.hostNetwork === true) {
    warnings.push(`===> Skipping injection because ${warnKind}${quote(fullName)} has host networking enabled`);
    return obj;
  }
  if (!decideInjection(slot.spec, slot.meta, { policy: 'enabled' }).inject) {
    warnings.push(`===> Skipping injection because ${warnKind}${quote(fullName)} has sidecar injection disabled`);
    return obj;
  }
  const before = containerNames(slot.spec);
  const podIn = { metadata: slot.meta, spec: slot.spec };
  // istioctl sends the template's namespace, else the workload's (possibly none) with the pod to the webhook.
  const pod = settings.externalInjector
    ? settings.externalInjector(podIn, slot.meta?.namespace || deployMeta.namespace)
    : injectPodCore(podIn, { typeMeta, deployMeta, settings: forNode(settings, slot.spec.nodeName) });
  if (!pod) {
    warnings.push(`===> Skipping injection because ${warnKind}${quote(fullName)} was left alone by the cluster's injector`);
    return obj;
  }
  slot.put(pod);
  result.injected = true;
  result.containersAdded = containerNames(pod.spec).filter((n) => !before.includes(n));
  return obj;
}

/** A pod bound to a known node follows that node's kubelet (auto mode). */
function forNode(settings: InjectionSettings, nodeName: unknown): InjectionSettings {
  const version = typeof nodeName === 'string' ? settings.nodeKubeletVersions?.[nodeName] : undefined;
  return version === undefined ? settings : { ...settings, nativeSidecars: nativeSidecarsSupported([version]) };
}

function containerNames(spec: JsonObject): string[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c: JsonObject) => c.name);
}

/** A v1 List: recognised items are injected, others kept as they are (re-marshalled with the List). */
export function injectList(value: JsonObject, settings: InjectionSettings, warnings: string[], workloads: WorkloadResult[]): JsonObject {
  const list = normalize(value, 'List') as JsonObject;
  list.items = (list.items ?? []).map((item: unknown) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return item;
    const kind = (item as JsonObject).kind;
    if (kind === 'List') return injectList(item as JsonObject, settings, warnings, workloads);
    if (isRecognisedKind(kind)) return injectObject(item as JsonObject, settings, warnings, workloads);
    return item;
  });
  return list;
}
