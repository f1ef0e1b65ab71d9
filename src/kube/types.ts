import { kubectlName } from '../object-name';
/** A Kubernetes object as plain JSON: what mesh reads from manifests and sends to the API server. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

export interface KubeMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [field: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

/** Which objects of one kind: the collection to list or watch. */
export interface KindQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export function objectLabel(obj: { kind: string; metadata: { name?: string; namespace?: string } }): string {
  return kubectlName({ kind: obj.kind, name: obj.metadata.name });
}
