import { componentSpecs, fakeNode } from '../../src/cluster/components';
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

  it('register a fake node kwok manages, reporting the kubelet version', () => {
    const node = fakeNode('n1', 'v1.34.4') as { metadata: { annotations: Record<string, string> }; status: { nodeInfo: { kubeletVersion: string } } };
    expect(node.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
    expect(node.status.nodeInfo.kubeletVersion).toBe('v1.34.4');
    expect(args('kwok')).toContain('--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake');
  });
});
