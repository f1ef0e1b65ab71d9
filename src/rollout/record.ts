// What is deployed where: after a rollout finishes, a Lease `mesh-deployed-<app>` in the namespace records the
// commit (Git apps), the rollout, who asked, when, and the cluster's name. A Lease because mesh already owns
// Leases there (the rollout lock); it is never held, only read by `/mesh apps` (one list across namespaces).
import type { KubeConfig } from '@kubernetes/client-node';
import { createObject, getObject, listObjects, replaceObject } from '../kube/objects';
import { isConflict } from '../kube/request';
import type { KubeObject } from '../kube/types';
import type { RolloutState } from './state';

const RECORD_LABEL = 'mesh.dev/deployed';
const PREFIX = 'mesh.dev/deployed-';

export interface DeploymentRecord {
  app: string;
  namespace: string;
  cluster?: string;
  commit?: string;
  repository?: string;
  ref?: string;
  /** Files of the component, when only a component was deployed. */
  component?: string[];
  by: string;
  at: string;
  rolloutId: string;
}

const recordName = (app: string) => `mesh-deployed-${app}`;

function recordOf(state: RolloutState, at: string): DeploymentRecord {
  const source = state.source;
  return {
    app: state.app,
    namespace: state.namespace,
    ...(state.cluster ? { cluster: state.cluster } : {}),
    ...(source.kind === 'git' ? { commit: source.commit, repository: source.repository, ref: source.ref } : {}),
    ...(source.kind !== 'manifests' && source.only ? { component: source.only } : {}),
    by: state.holder,
    at,
    rolloutId: state.id,
  };
}

/** Records a finished rollout (idempotent: a re-run step rewrites the same record). */
export async function writeRecord(kc: KubeConfig, state: RolloutState, at: string): Promise<void> {
  const record = recordOf(state, at);
  const annotations = Object.fromEntries(
    Object.entries(record).map(([key, value]) => [`${PREFIX}${key}`, Array.isArray(value) ? value.join(',') : String(value)]),
  );
  const base = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: recordName(state.app), namespace: state.namespace } };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const existing = await getObject<KubeObject>(kc, base);
    const body = {
      ...base,
      metadata: { ...base.metadata, resourceVersion: existing?.metadata.resourceVersion, labels: { 'app.kubernetes.io/managed-by': 'mesh', [RECORD_LABEL]: 'true', 'mesh.dev/app': state.app }, annotations },
      spec: {},
    };
    try {
      if (existing) await replaceObject(kc, body);
      else await createObject(kc, body);
      return;
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
}

/** Every record on the cluster (all namespaces), newest first. */
export async function listRecords(kc: KubeConfig): Promise<DeploymentRecord[]> {
  const { items } = await listObjects(kc, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', labelSelector: `${RECORD_LABEL}=true` });
  return items
    .map((lease) => {
      const a = lease.metadata.annotations ?? {};
      const get = (key: string) => a[`${PREFIX}${key}`];
      return {
        app: get('app') ?? '', namespace: lease.metadata.namespace ?? '', by: get('by') ?? '', at: get('at') ?? '', rolloutId: get('rolloutId') ?? '',
        ...(get('cluster') ? { cluster: get('cluster') } : {}),
        ...(get('commit') ? { commit: get('commit'), repository: get('repository'), ref: get('ref') } : {}),
        ...(get('component') ? { component: get('component')!.split(',') } : {}),
      } as DeploymentRecord;
    })
    .sort((x, y) => y.at.localeCompare(x.at));
}
