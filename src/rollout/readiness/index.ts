import type { KubeObject } from '../../kube/types';
import { daemonSetReadiness } from './daemonset';
import { deploymentReadiness } from './deployment';
import { jobReadiness } from './job';
import { podReadiness } from './pod';
import { serviceReadiness } from './service';
import { statefulSetReadiness } from './statefulset';
import { apiServiceReadiness, crdReadiness, namespaceReadiness, pvcReadiness, replicaSetReadiness } from './cluster-kinds';
import { genericReadiness, terminating } from './generic';
import type { KindReadiness, Readiness, RelatedCollection, Related } from './types';

export { podFailure, FAILING_WAITING_REASONS } from './pod';
export { RELATED_QUERIES } from './types';
export type { KindReadiness, Readiness, ReadinessRule, Related, RelatedCollection } from './types';

/**
 * One rule per kind, keyed `group/Kind` (core group ""), with the related collections it watches; any other kind
 * (custom resources included) is judged by the generic rule (src/rollout/readiness/generic.ts). Workloads watch
 * their pods for stuck reasons (a crash loop fails the stage).
 */
export const readinessRules: Record<string, KindReadiness> = {
  'apps/Deployment': { judge: deploymentReadiness, watches: ['pods', 'replicaSets'] },
  'apps/StatefulSet': { judge: statefulSetReadiness, watches: ['pods', 'failedCreateEvents'] },
  'apps/DaemonSet': { judge: daemonSetReadiness, watches: ['pods', 'failedCreateEvents'] },
  'batch/Job': { judge: jobReadiness, watches: ['pods'] },
  '/Pod': { judge: podReadiness, watches: [] },
  '/Service': { judge: serviceReadiness, watches: ['endpointSlices'] },
  'apps/ReplicaSet': { judge: replicaSetReadiness, watches: ['pods'] },
  '/PersistentVolumeClaim': { judge: pvcReadiness, watches: [] },
  '/Namespace': { judge: namespaceReadiness, watches: [] },
  'apiextensions.k8s.io/CustomResourceDefinition': { judge: crdReadiness, watches: [] },
  'apiregistration.k8s.io/APIService': { judge: apiServiceReadiness, watches: [] },
};

export function ruleKey(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return `${group}/${kind}`;
}

/** The related collections the rule of `obj`'s kind watches (none for kinds without a rule). */
export function watchedWith(obj: { apiVersion: string; kind: string }): RelatedCollection[] {
  return readinessRules[ruleKey(obj.apiVersion, obj.kind)]?.watches ?? [];
}

/**
 * Kinds judged from the apply alone: a v1 Secret has no status (kstatus: always ready), and mesh does not read
 * app Secrets back — the API server's answer to the apply is the proof it exists as applied, and the bot needs
 * no right to read secret values (see src/rbac).
 */
export function judgedFromApply(obj: { apiVersion: string; kind: string }): boolean {
  return ruleKey(obj.apiVersion, obj.kind) === '/Secret';
}

/** Workload kinds whose pods are watched for stuck reasons while they roll out. */
export function managesPods(obj: { apiVersion: string; kind: string }): boolean {
  return watchedWith(obj).includes('pods');
}

/** Readiness of one live object: a deletion in progress waits; then its kind's rule, else the generic one. */
export function readinessOf(obj: KubeObject, related: Related = {}): Readiness {
  const deleting = terminating(obj);
  if (deleting) return deleting;
  const rule = readinessRules[ruleKey(obj.apiVersion, obj.kind)];
  return rule ? rule.judge(obj, related) : genericReadiness(obj);
}
