/**
 * Workload identity of a pod arriving at the webhook (Istio `pkg/kube/util.go` `GetDeployMetaFromPod`): pods
 * created by controllers have no name yet, so the owner reference (and the pod-template-hash / cronjob
 * suffix heuristics) tell the proxy which workload it belongs to.
 */
export interface WorkloadOwner {
  kind: string;
  name: string;
  namespace: string;
  apiVersion: string;
}

interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

export interface PodMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

const CRON_JOB_NAME = /^(.+)-\d{8,10}$/;

export function workloadOwnerOfPod(meta: PodMeta): WorkloadOwner {
  const owner: WorkloadOwner = { kind: 'Pod', apiVersion: 'v1', name: meta.name ?? '', namespace: meta.namespace ?? '' };
  const labels = meta.labels ?? {};
  const controller = meta.generateName ? meta.ownerReferences?.find((ref) => ref.controller === true) : undefined;
  if (controller) {
    owner.apiVersion = controller.apiVersion ?? '';
    owner.kind = controller.kind ?? '';
    owner.name = controller.name ?? '';
    const hash = labels['pod-template-hash'];
    if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(hash)) {
      if (owner.name.endsWith(`-${hash}`)) owner.name = owner.name.slice(0, -hash.length - 1);
      owner.kind = 'Deployment';
    } else if (owner.kind === 'ReplicationController' && labels.deploymentconfig) {
      owner.name = labels.deploymentconfig;
      owner.kind = 'DeploymentConfig';
    } else if (owner.kind === 'Job') {
      const match = CRON_JOB_NAME.exec(owner.name);
      if (match) {
        owner.name = match[1];
        owner.kind = 'CronJob';
        // Cannot be derived from the pod; Istio assumes batch/v1 as well.
        owner.apiVersion = 'batch/v1';
      }
    }
  }
  if (owner.name === '') owner.name = meta.name ?? '';
  return owner;
}
