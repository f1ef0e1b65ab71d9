// The local cluster's nodes, shaped like a small EKS node group: six m5.xlarge workers, two in each of the zones
// us-east-1a, us-east-1b and us-east-1c, named and labelled as EKS names and labels its nodes (well-known labels
// kubernetes.io/*, beta.kubernetes.io/os|arch, topology.kubernetes.io/zone|region, node.kubernetes.io/instance-type),
// with an m5.xlarge's capacity and allocatable as EKS reports them (58 pods with the VPC CNI). Real apps' node
// selectors (e.g. `beta.kubernetes.io/os: linux`), zone affinities and topology spreads schedule as in the cloud.
// kwok plays their kubelets; nothing taints them.
import { ComponentFailure } from './process';
import { httpsRequest, type TlsIdentity } from './http';

export const REGION = 'us-east-1';
export const INSTANCE_TYPE = 'm5.xlarge';
export const NODE_GROUP = 'mesh-local';
/** kwok manages the nodes carrying this annotation (its --manage-nodes-with-annotation-selector). */
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
/** Each node's own InternalIP; kwok's node stage reports it (see stages.ts), and hostNetwork pods get it. */
export const INTERNAL_IP_ANNOTATION = 'mesh.dev/internal-ip';

export interface LocalNode {
  name: string;
  zone: string;
  internalIp: string;
  instanceId: string;
}

/** Two per zone; EKS names a node after its private IP (`ip-10-240-1-11.ec2.internal` in us-east-1). */
export const LOCAL_NODES: readonly LocalNode[] = ['a', 'b', 'c'].flatMap((letter, zoneIndex) =>
  [11, 12].map((host) => {
    const internalIp = `10.240.${zoneIndex + 1}.${host}`;
    return {
      name: `ip-${internalIp.replace(/\./g, '-')}.ec2.internal`,
      zone: `${REGION}${letter}`,
      internalIp,
      instanceId: `i-${`0${zoneIndex + 1}${host}`.padEnd(17, '0')}`,
    };
  }),
);

/** What an m5.xlarge reports on EKS (4 vCPU, 16 GiB, a 20 GiB root volume, 58 pods with the VPC CNI). */
export const NODE_CAPACITY = { cpu: '4', memory: '15896620Ki', 'ephemeral-storage': '20959212Ki', pods: '58', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };
export const NODE_ALLOCATABLE = { cpu: '3920m', memory: '14879788Ki', 'ephemeral-storage': '18242267924', pods: '58', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };

export function nodeLabels(node: LocalNode): Record<string, string> {
  return {
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    'topology.kubernetes.io/region': REGION,
    'topology.kubernetes.io/zone': node.zone,
    'node.kubernetes.io/instance-type': INSTANCE_TYPE,
    'beta.kubernetes.io/instance-type': INSTANCE_TYPE,
    'eks.amazonaws.com/nodegroup': NODE_GROUP,
    'eks.amazonaws.com/capacityType': 'ON_DEMAND',
    type: 'kwok',
  };
}

export function nodeObject(node: LocalNode, kubeletVersion: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0', [INTERNAL_IP_ANNOTATION]: node.internalIp },
      labels: nodeLabels(node),
    },
    spec: { providerID: `aws:///${node.zone}/${node.instanceId}` },
    status: {
      allocatable: NODE_ALLOCATABLE,
      capacity: NODE_CAPACITY,
      addresses: [{ type: 'InternalIP', address: node.internalIp }, { type: 'Hostname', address: node.name }],
      nodeInfo: {
        architecture: 'amd64', bootID: '', containerRuntimeVersion: 'kwok', kernelVersion: 'kwok', kubeProxyVersion: kubeletVersion, kubeletVersion,
        machineID: '', operatingSystem: 'linux', osImage: 'mesh local control plane (kwok)', systemUUID: '',
      },
    },
  };
}

interface NodeJson {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: { capacity?: Record<string, string>; allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] };
}

const sameEntries = (want: Record<string, string>, have: Record<string, string> | undefined) => Object.entries(want).every(([k, v]) => have?.[k] === v);

/**
 * Makes the cluster's kwok nodes exactly LOCAL_NODES: registers missing ones, brings labels, annotations and
 * capacity of existing ones up to date, and deletes kwok nodes that are not in the list (the single node
 * `mesh-worker` of earlier versions: its pods are then garbage-collected and their controllers place them
 * anew). Idempotent; returns what it changed, for progress lines.
 */
export async function convergeNodes(server: string, tls: TlsIdentity, kubeletVersion: string): Promise<string[]> {
  const fail = (what: string, res: { status: number; body: string }): never => {
    throw new ComponentFailure('kube-apiserver', `${what} (HTTP ${res.status}: ${res.body.slice(0, 300)})`, '');
  };
  const listed = await httpsRequest(`${server}/api/v1/nodes`, tls);
  if (listed.status !== 200) fail('could not list nodes', listed);
  const existing = (JSON.parse(listed.body) as { items: NodeJson[] }).items;
  const changes: string[] = [];
  for (const node of LOCAL_NODES) {
    const wanted = nodeObject(node, kubeletVersion) as { metadata: NodeJson['metadata'] };
    const current = existing.find((n) => n.metadata.name === node.name);
    if (!current) {
      const res = await httpsRequest(`${server}/api/v1/nodes`, tls, 'POST', wanted);
      if (res.status !== 201 && res.status !== 409) fail(`refused node ${node.name}`, res);
      changes.push(`registered node ${node.name} (${node.zone}, ${INSTANCE_TYPE})`);
      continue;
    }
    const url = `${server}/api/v1/nodes/${node.name}`;
    if (!sameEntries(wanted.metadata.labels!, current.metadata.labels) || !sameEntries(wanted.metadata.annotations!, current.metadata.annotations)) {
      const res = await httpsRequest(url, tls, 'PATCH', { metadata: { labels: wanted.metadata.labels, annotations: wanted.metadata.annotations } }, 5000, 'application/merge-patch+json');
      if (res.status !== 200) fail(`could not relabel node ${node.name}`, res);
      changes.push(`updated the labels of node ${node.name}`);
    }
    if (!sameEntries(NODE_CAPACITY, current.status?.capacity) || !sameEntries(NODE_ALLOCATABLE, current.status?.allocatable)) {
      const res = await httpsRequest(`${url}/status`, tls, 'PATCH', { status: { capacity: NODE_CAPACITY, allocatable: NODE_ALLOCATABLE } }, 5000, 'application/merge-patch+json');
      if (res.status !== 200) fail(`could not update the capacity of node ${node.name}`, res);
      changes.push(`updated the capacity of node ${node.name}`);
    }
  }
  const wantedNames = new Set(LOCAL_NODES.map((n) => n.name));
  for (const stale of existing.filter((n) => n.metadata.annotations?.[KWOK_ANNOTATION] === 'fake' && !wantedNames.has(n.metadata.name))) {
    const res = await httpsRequest(`${server}/api/v1/nodes/${stale.metadata.name}`, tls, 'DELETE');
    if (res.status !== 200 && res.status !== 404) fail(`could not remove node ${stale.metadata.name}`, res);
    changes.push(`removed node ${stale.metadata.name} (not part of the local cluster's shape any more)`);
  }
  return changes;
}

/** Every node of LOCAL_NODES reports Ready. */
export async function nodesReady(server: string, tls: TlsIdentity): Promise<boolean> {
  const res = await httpsRequest(`${server}/api/v1/nodes`, tls).catch(() => undefined);
  if (res?.status !== 200) return false;
  const nodes = (JSON.parse(res.body) as { items: NodeJson[] }).items;
  return LOCAL_NODES.every((wanted) =>
    nodes.find((n) => n.metadata.name === wanted.name)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
}
