import { componentSpecs } from '../../src/cluster/components';
import { LOCAL_NODES, nodeObject } from '../../src/cluster/nodes';
import { pkiPaths } from '../../src/cluster/pki';

const specs = componentSpecs({
  dataDir: '/d',
  pki: pkiPaths('/d/pki'),
  kubeconfig: '/d/kubeconfig',
  stagesFile: '/d/stages.yaml',
  ports: { etcdClient: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5 },
});
const args = (name: string) => specs.find((s) => s.name === name)!.args;

describe('control-plane components', () => {
  it('start in dependency order', () => {
    expect(specs.map((s) => s.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  });

  it('bind every listener to loopback', () => {
    expect(args('etcd')).toContain('--listen-client-urls=http://127.0.0.1:1');
    expect(args('kube-apiserver')).toContain('--bind-address=127.0.0.1');
    expect(args('kube-controller-manager')).toContain('--bind-address=127.0.0.1');
    expect(args('kube-scheduler')).toContain('--bind-address=127.0.0.1');
  });

  it('authenticate client certificates, authorize with RBAC and sign CSRs with the cluster CA', () => {
    expect(args('kube-apiserver')).toEqual(expect.arrayContaining(['--client-ca-file=/d/pki/ca.crt', '--authorization-mode=Node,RBAC']));
    expect(args('kube-controller-manager')).toEqual(
      expect.arrayContaining([
        '--cluster-signing-cert-file=/d/pki/ca.crt',
        '--cluster-signing-key-file=/d/pki/ca.key',
        '--service-account-private-key-file=/d/pki/sa.key',
        '--root-ca-file=/d/pki/ca.crt',
      ]),
    );
  });

  it('register six nodes kwok manages, shaped like an EKS node group of m5.xlarge across three zones', () => {
    const nodes = LOCAL_NODES.map((n) => nodeObject(n, 'v1.34.4') as { metadata: { name: string; annotations: Record<string, string>; labels: Record<string, string> }; spec: { providerID: string }; status: { nodeInfo: { kubeletVersion: string }; allocatable: Record<string, string> } });
    expect(nodes.map((n) => n.metadata.name)).toEqual([
      'ip-10-240-1-11.ec2.internal', 'ip-10-240-1-12.ec2.internal', 'ip-10-240-2-11.ec2.internal',
      'ip-10-240-2-12.ec2.internal', 'ip-10-240-3-11.ec2.internal', 'ip-10-240-3-12.ec2.internal',
    ]);
    expect(nodes.map((n) => n.metadata.labels['topology.kubernetes.io/zone'])).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b', 'us-east-1c', 'us-east-1c']);
    for (const node of nodes) {
      expect(node.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
      expect(node.status.nodeInfo.kubeletVersion).toBe('v1.34.4');
      expect(node.metadata.labels).toMatchObject({
        'kubernetes.io/hostname': node.metadata.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/region': 'us-east-1',
        'node.kubernetes.io/instance-type': 'm5.xlarge',
      });
      expect(node.spec.providerID).toMatch(/^aws:\/\/\/us-east-1[abc]\/i-[0-9a-f]{17}$/);
      expect(node.status.allocatable).toMatchObject({ cpu: '3920m', pods: '58' });
    }
    expect(args('kwok')).toContain('--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake');
  });
});
