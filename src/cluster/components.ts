import path from 'node:path';
import type { ClusterPki } from './pki';
import type { BinaryName } from './versions';

/** Loopback ports picked for one cluster run. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
}

export interface ComponentSpec {
  name: string;
  binary: BinaryName;
  args: string[];
  /** HTTPS health URL polled until it answers 200 (kwok has none: the fake node turning Ready is its check). */
  healthUrl?: string;
}

export interface ComponentLayout {
  dataDir: string;
  pki: ClusterPki;
  kubeconfig: string;
  stagesFile: string;
  ports: ClusterPorts;
}

export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
export const POD_CIDR = '10.244.0.0/16';

/** Command lines of every component, in start order (stop in reverse). */
export function componentSpecs(layout: ComponentLayout): ComponentSpec[] {
  const { dataDir, pki, kubeconfig, ports } = layout;
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const delegated = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
    // The apiserver has no front-proxy (requestheader) CA; without this both log its absence every few seconds.
    '--authentication-skip-lookup=true',
  ];
  return [
    {
      name: 'etcd',
      binary: 'etcd',
      args: [
        '--name=mesh',
        `--data-dir=${path.join(dataDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-cluster=mesh=http://127.0.0.1:${ports.etcdPeer}`,
        '--unsafe-no-fsync=true',
        '--quota-backend-bytes=4294967296',
        '--log-level=warn',
      ],
    },
    {
      name: 'kube-apiserver',
      binary: 'kube-apiserver',
      healthUrl: `https://127.0.0.1:${ports.apiserver}/readyz`,
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${pki.apiserverCert}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--client-ca-file=${pki.caCert}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--authorization-mode=Node,RBAC',
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        '--allow-privileged=true',
        '--endpoint-reconciler-type=none',
        // Its not-ready taint on new nodes is lifted by kcm's nodelifecycle controller, which we do not run.
        '--disable-admission-plugins=TaintNodesByCondition',
        '--enable-priority-and-fairness=false',
        `--cert-dir=${path.join(dataDir, 'apiserver-certs')}`,
      ],
    },
    {
      name: 'kube-controller-manager',
      binary: 'kube-controller-manager',
      healthUrl: `https://127.0.0.1:${ports.controllerManager}/healthz`,
      args: [
        ...delegated,
        `--secure-port=${ports.controllerManager}`,
        `--cert-dir=${path.join(dataDir, 'kcm-certs')}`,
        // nodelifecycle would taint and evict from fake nodes whose heartbeat lags (a paused laptop, a busy CI box).
        '--controllers=*,-nodelifecycle',
        `--root-ca-file=${pki.caCert}`,
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        '--use-service-account-credentials=false',
        '--concurrent-deployment-syncs=10',
        '--concurrent-replicaset-syncs=10',
        '--kube-api-qps=200',
        '--kube-api-burst=400',
      ],
    },
    {
      name: 'kube-scheduler',
      binary: 'kube-scheduler',
      healthUrl: `https://127.0.0.1:${ports.scheduler}/healthz`,
      args: [...delegated, `--secure-port=${ports.scheduler}`, `--cert-dir=${path.join(dataDir, 'scheduler-certs')}`],
    },
    {
      name: 'kwok',
      binary: 'kwok',
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--config=${layout.stagesFile}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake`,
        `--cidr=${POD_CIDR}`,
        '--node-ip=10.240.0.1',
        '--node-lease-duration-seconds=40',
      ],
    },
  ];
}

/** An admin kubeconfig with the certificates inlined, so the file alone is enough to connect. */
export function adminKubeconfigYaml(server: string, caPem: string, certPem: string, keyPem: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: mesh-local
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(caPem)}
users:
- name: mesh-admin
  user:
    client-certificate-data: ${b64(certPem)}
    client-key-data: ${b64(keyPem)}
contexts:
- name: mesh-local
  context:
    cluster: mesh-local
    user: mesh-admin
    namespace: default
current-context: mesh-local
`;
}
