// The local cluster looks like a cloud's: six kwok nodes like an EKS node group of m5.xlarge across three zones,
// labelled as real nodes are, so what real apps ask of nodes schedules — Sock Shop's `beta.kubernetes.io/os:
// linux` selector, a zone affinity, a topology spread over zones — and `mesh cluster up` brings a running
// cluster of the earlier shape (one node, `mesh-worker`) to this one, once.
import { basename, dirname } from 'node:path';
import { clusterUp, LOCAL_NODE_NAMES } from '../../src/cluster/cluster';
import { createObject, deleteObject, getObject, kubeRequest, listObjects, patchObject } from '../../src/kube';
import type { KubeObject } from '../../src/kube/types';
import { kubeConfig, kubeconfigPath, waitUntil, withNamespace } from './setup/cluster';

const kc = kubeConfig();

interface Node extends KubeObject {
  spec: { providerID?: string; taints?: unknown[] };
  status: { capacity: Record<string, string>; allocatable: Record<string, string>; addresses: { type: string; address: string }[]; conditions: { type: string; status: string }[] };
}
interface Pod extends KubeObject {
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const container = { name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } };
const zoneOf = async (nodeName: string) => (await getObject<Node>(kc, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } }))!.metadata.labels!['topology.kubernetes.io/zone'];

async function runningPods(namespace: string, selector: string, count: number): Promise<Pod[]> {
  return waitUntil(`${count} running pods ${selector}`, async () => {
    const pods = (await listObjects<Pod>(kc, { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: selector })).items;
    const unschedulable = pods.flatMap((p) => p.status?.conditions ?? []).find((c) => c.reason === 'Unschedulable');
    if (unschedulable) throw new Error(`a pod is Unschedulable: ${unschedulable.message}`);
    return pods.length === count && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
  }, 60_000);
}

describe('the local cluster\'s nodes', () => {
  const ns = withNamespace('nodes');

  it('are six Ready m5.xlarge nodes, two in each zone of us-east-1, with the labels, addresses and provider IDs of EKS nodes', async () => {
    const nodes = (await listObjects<Node>(kc, { apiVersion: 'v1', kind: 'Node' })).items;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual([...LOCAL_NODE_NAMES].sort());
    const zones = nodes.map((n) => n.metadata.labels!['topology.kubernetes.io/zone']).sort();
    expect(zones).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b', 'us-east-1c', 'us-east-1c']);
    const internalIps = new Set<string>();
    for (const node of nodes) {
      expect(node.metadata.labels).toMatchObject({
        'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': node.metadata.name,
        'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/region': 'us-east-1', 'node.kubernetes.io/instance-type': 'm5.xlarge',
      });
      expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(node.status.allocatable).toMatchObject({ cpu: '3920m', pods: '58' });
      expect(node.status.capacity).toMatchObject({ cpu: '4', pods: '58' });
      expect(node.spec.providerID).toBe(`aws:///${node.metadata.labels!['topology.kubernetes.io/zone']}/${node.spec.providerID!.split('/').at(-1)}`);
      expect(node.spec.taints ?? []).toEqual([]);
      const ip = node.status.addresses.find((a) => a.type === 'InternalIP')?.address;
      expect(node.metadata.name).toBe(`ip-${ip!.replace(/\./g, '-')}.ec2.internal`);
      internalIps.add(ip!);
      expect(node.status.addresses).toContainEqual({ type: 'Hostname', address: node.metadata.name });
    }
    expect(internalIps.size).toBe(6);
  });

  it('schedule a pod that selects beta.kubernetes.io/os: linux (as Sock Shop\'s do)', async () => {
    await createObject(kc, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sock-shop-style', namespace: ns.name, labels: { app: 'beta-os' } },
      spec: { nodeSelector: { 'beta.kubernetes.io/os': 'linux' }, containers: [container] },
    });
    const [pod] = await runningPods(ns.name, 'app=beta-os', 1);
    expect(LOCAL_NODE_NAMES).toContain(pod!.spec.nodeName);
  });

  it('spread a Deployment over the three zones (topologySpreadConstraints, DoNotSchedule) and honour a zone affinity', async () => {
    const labels = { app: 'spread' };
    await createObject(kc, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'spread', namespace: ns.name },
      spec: {
        replicas: 6, selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }],
            containers: [container],
          },
        },
      },
    });
    const pods = await runningPods(ns.name, 'app=spread', 6);
    const perZone: Record<string, number> = {};
    for (const pod of pods) {
      const zone = await zoneOf(pod.spec.nodeName!);
      perZone[zone!] = (perZone[zone!] ?? 0) + 1;
    }
    expect(perZone).toEqual({ 'us-east-1a': 2, 'us-east-1b': 2, 'us-east-1c': 2 });

    await createObject(kc, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'in-1b', namespace: ns.name, labels: { app: 'in-1b' } },
      spec: {
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1b'] }] }] } } },
        containers: [container],
      },
    });
    const [pinned] = await runningPods(ns.name, 'app=in-1b', 1);
    expect(await zoneOf(pinned!.spec.nodeName!)).toBe('us-east-1b');
  });

  it('are restored by `mesh cluster up` on a cluster of the earlier shape, and a second `up` changes nothing', async () => {
    const env = { ...process.env, MESH_CLUSTER_NAME: basename(dirname(kubeconfigPath())) };
    const node = LOCAL_NODE_NAMES[1]!;
    // The earlier shape: the one node mesh-worker (tainted here, so no other suite's pod lands on it meanwhile),
    // a node without the beta and topology labels, and a node with the old 32-CPU capacity.
    await createObject(kc, {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: 'mesh-worker', annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': 'mesh-worker', 'kubernetes.io/os': 'linux' } },
      spec: { taints: [{ key: 'mesh.dev/test', value: 'old-shape', effect: 'NoSchedule' }] },
    });
    await patchObject(kc, { apiVersion: 'v1', kind: 'Node', metadata: { name: node } }, 'json', [
      { op: 'remove', path: '/metadata/labels/beta.kubernetes.io~1os' },
      { op: 'remove', path: '/metadata/labels/topology.kubernetes.io~1zone' },
    ]);
    await kubeRequest(kc, {
      method: 'PATCH', path: `/api/v1/nodes/${LOCAL_NODE_NAMES[2]}/status`, contentType: 'application/merge-patch+json',
      body: { status: { capacity: { cpu: '32' }, allocatable: { cpu: '32' } } },
    });
    const lines: string[] = [];
    try {
      const up = await clusterUp({ env, istio: false, progress: (line) => lines.push(line) });
      expect(up.started).toBe(false);
    } finally {
      await deleteObject(kc, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'mesh-worker' } });
    }
    expect(lines).toEqual(expect.arrayContaining([
      `updated the labels of node ${node}`,
      `updated the capacity of node ${LOCAL_NODE_NAMES[2]}`,
      'removed node mesh-worker (not part of the local cluster\'s shape any more)',
    ]));
    const nodes = (await listObjects<Node>(kc, { apiVersion: 'v1', kind: 'Node' })).items;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual([...LOCAL_NODE_NAMES].sort());
    expect(nodes.find((n) => n.metadata.name === node)!.metadata.labels).toMatchObject({ 'beta.kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': 'us-east-1a' });
    expect(nodes.find((n) => n.metadata.name === LOCAL_NODE_NAMES[2])!.status.allocatable.cpu).toBe('3920m');

    const again: string[] = [];
    await clusterUp({ env, istio: false, progress: (line) => again.push(line) });
    expect(again.filter((l) => /node|kwok/.test(l))).toEqual([]);
  });
});
