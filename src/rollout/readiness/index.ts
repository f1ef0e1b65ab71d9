import type { KubeObject } from '../../kube/types';
import { daemonSetReadiness } from './daemonset';
import { deploymentReadiness } from './deployment';
import { jobReadiness } from './job';
import { podReadiness } from './pod';
import { serviceReadiness } from './service';
import { statefulSetReadiness } from './statefulset';
import { ready, type Readiness, type ReadinessRule, type Related } from './types';

export { podFailure, FAILING_WAITING_REASONS } from './pod';
export type { Readiness, ReadinessRule, Related } from './types';

/** One rule per kind, keyed `group/Kind` (core group ""); kinds without a rule are ready once applied. */
export const readinessRules: Record<string, ReadinessRule> = {
  'apps/Deployment': deploymentReadiness,
  'apps/StatefulSet': statefulSetReadiness,
  'apps/DaemonSet': daemonSetReadiness,
  'batch/Job': jobReadiness,
  '/Pod': podReadiness,
  '/Service': serviceReadiness,
};

export function ruleKey(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return `${group}/${kind}`;
}

export function hasReadinessRule(obj: { apiVersion: string; kind: string }): boolean {
  return ruleKey(obj.apiVersion, obj.kind) in readinessRules;
}

/** Workload kinds whose pods are watched for stuck reasons while they roll out. */
export function managesPods(obj: { apiVersion: string; kind: string }): boolean {
  return ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job'].includes(ruleKey(obj.apiVersion, obj.kind));
}

export function readinessOf(obj: KubeObject, related: Related = {}): Readiness {
  const rule = readinessRules[ruleKey(obj.apiVersion, obj.kind)];
  return rule ? rule(obj, related) : ready(`${obj.kind.toLowerCase()} "${obj.metadata.name}" applied`);
}
