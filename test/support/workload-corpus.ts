/**
 * A seeded generator of ordinary workloads, for comparing mesh's injection with real istioctl/istiod.
 *
 * It covers what real manifests contain rather than what the goldens happen to: every workload kind and
 * List, multi-document files with other kinds, every probe kind in readiness/liveness/startup (HTTP by
 * named and numbered port, TCP, gRPC with and without service, exec), named and unnamed ports,
 * env/envFrom/valueFrom, odd quantities, security contexts, init containers, volumes and
 * volumeClaimTemplates, hostNetwork, tolerations, the sidecar.istio.io / traffic.sidecar.istio.io /
 * status.sidecar.istio.io / readiness.status.sidecar.istio.io / proxy.istio.io/config / prometheus
 * annotations the injector reads, and the opt-out label and annotation. Every value is one Istio accepts
 * (a file with one rejected document makes istioctl reject the whole file); refusals are tested apart.
 *
 * Same seed, same corpus: a failure names its seed and document index, and reproduces.
 */
import { stringify } from 'yaml';
import type { JsonObject } from '../../src/json-object';


/** mulberry32: small, fast, good enough to spread cases; not for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  constructor(private readonly next: () => number) {}
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  some<T>(items: readonly T[], max = items.length): T[] {
    const count = this.int(0, Math.min(max, items.length));
    const pool = [...items];
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return out;
  }
}

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod'] as const;
const API: Record<(typeof KINDS)[number], string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  ReplicationController: 'v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Pod: 'v1',
};
const CPU = ['100m', '0.5', '1', '250m', '2', '1.5', '10m', 0.25, 1, '1000m', '0.1'];
const MEMORY = ['128Mi', '1Gi', '512M', '1e3', '100Mi', '1.5Gi', '64Ki', '2G', 268435456, '0.5Gi'];
const IMAGES = ['nginx:1.27', 'gcr.io/google-samples/hello-app:1.0', 'redis:7', 'registry.example.com/team/app@sha256:' + 'a'.repeat(64)];

function quantityPair(d: Dice): JsonObject {
  const out: JsonObject = {};
  if (d.chance(0.7)) out.requests = { cpu: d.pick(CPU), memory: d.pick(MEMORY) };
  if (d.chance(0.4)) out.limits = { cpu: d.pick(CPU), memory: d.pick(MEMORY) };
  if (d.chance(0.1)) (out.requests ??= {})['ephemeral-storage'] = d.pick(['1Gi', '500Mi']);
  return out;
}

function probe(d: Dice, ports: JsonObject[]): JsonObject {
  const named = ports.filter((p) => p.name);
  const port = () => (named.length && d.chance(0.5) ? d.pick(named).name : ports.length ? d.pick(ports).containerPort : d.int(1024, 9000));
  const timing: JsonObject = {};
  if (d.chance(0.5)) timing.initialDelaySeconds = d.int(0, 30);
  if (d.chance(0.5)) timing.periodSeconds = d.int(1, 20);
  if (d.chance(0.3)) timing.timeoutSeconds = d.int(1, 10);
  if (d.chance(0.3)) timing.failureThreshold = d.int(1, 5);
  if (d.chance(0.1)) timing.successThreshold = 1;
  switch (d.int(0, 5)) {
    case 0:
      return { httpGet: { path: d.pick(['/health', '/ready', '/', '/healthz?full=1']), port: port() }, ...timing };
    case 1:
      return {
        httpGet: { path: '/status', port: port(), scheme: d.pick(['HTTP', 'HTTPS']), ...(d.chance(0.3) ? { httpHeaders: [{ name: 'X-Probe', value: 'kubelet' }] } : {}) },
        ...timing,
      };
    case 2:
      return { tcpSocket: { port: port() }, ...timing };
    case 3:
      return { grpc: { port: ports.length ? d.pick(ports).containerPort : 9090 }, ...timing };
    case 4:
      return { grpc: { port: ports.length ? d.pick(ports).containerPort : 9090, service: d.pick(['health', 'grpc.health.v1.Health', '']) }, ...timing };
    default:
      return { exec: { command: ['sh', '-c', d.pick(['test -f /tmp/ready', 'curl -fs localhost:8080/health'])] }, ...timing };
  }
}

function container(d: Dice, name: string, init = false): JsonObject {
  const ports: JsonObject[] = [];
  for (let i = 0, n = d.int(0, 3); i < n; i++) {
    const p: JsonObject = { containerPort: d.pick([80, 8080, 8443, 9090, 3306, 6379, 7000 + i, 5000 + i]) + i * 1000 };
    if (d.chance(0.5)) p.name = d.pick(['http', 'grpc', 'metrics', 'tcp-db', 'http-admin', 'https']) + (i ? `-${i}` : '');
    if (d.chance(0.2)) p.protocol = d.pick(['TCP', 'UDP', 'SCTP']);
    ports.push(p);
  }
  const c: JsonObject = { name, image: d.pick(IMAGES) };
  if (d.chance(0.2)) c.imagePullPolicy = d.pick(['Always', 'IfNotPresent']);
  if (d.chance(0.3)) c.command = ['/bin/app'];
  if (d.chance(0.3)) c.args = ['--port', '8080', '--verbose'];
  if (ports.length) c.ports = ports;
  if (d.chance(0.5)) {
    c.env = [];
    if (d.chance(0.8)) c.env.push({ name: 'MODE', value: d.pick(['prod', '', 'a "quoted" value', '123', 'true', 'x: y']) });
    if (d.chance(0.4)) c.env.push({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    if (d.chance(0.3)) c.env.push({ name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: d.pick(['1m', '1', 1]) } } });
    if (d.chance(0.3)) c.env.push({ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password', optional: d.chance(0.5) } } });
    if (d.chance(0.3)) c.env.push({ name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } });
  }
  if (d.chance(0.2)) c.envFrom = [d.chance(0.5) ? { configMapRef: { name: 'settings' } } : { prefix: 'DB_', secretRef: { name: 'db', optional: true } }];
  if (d.chance(0.6)) c.resources = quantityPair(d);
  if (!init) {
    if (d.chance(0.5)) c.readinessProbe = probe(d, ports);
    if (d.chance(0.4)) c.livenessProbe = probe(d, ports);
    if (d.chance(0.2)) c.startupProbe = probe(d, ports);
    if (d.chance(0.1)) c.lifecycle = { preStop: { exec: { command: ['sleep', '5'] } } };
  }
  if (d.chance(0.3)) {
    c.securityContext = {};
    if (d.chance(0.5)) c.securityContext.runAsUser = d.pick([0, 1000, 1337, 65534]);
    if (d.chance(0.5)) c.securityContext.runAsNonRoot = d.chance(0.5);
    if (d.chance(0.4)) c.securityContext.allowPrivilegeEscalation = false;
    if (d.chance(0.3)) c.securityContext.readOnlyRootFilesystem = true;
    if (d.chance(0.3)) c.securityContext.capabilities = { drop: ['ALL'], ...(d.chance(0.3) ? { add: ['NET_BIND_SERVICE'] } : {}) };
    if (d.chance(0.1)) c.securityContext.privileged = d.chance(0.5);
  }
  if (d.chance(0.3)) c.volumeMounts = [{ name: 'data', mountPath: '/data', ...(d.chance(0.3) ? { readOnly: true } : {}) }];
  return c;
}

function annotations(d: Dice, ports: number[]): JsonObject {
  const a: JsonObject = {};
  const port = () => String(ports.length ? d.pick(ports) : d.int(1024, 9000));
  const maybe = (p: number, key: string, value: () => string) => {
    if (d.chance(p)) a[key] = value();
  };
  maybe(0.08, 'sidecar.istio.io/proxyCPU', () => d.pick(['100m', '200m', '1']));
  maybe(0.08, 'sidecar.istio.io/proxyMemory', () => d.pick(['128Mi', '1Gi']));
  maybe(0.05, 'sidecar.istio.io/proxyCPULimit', () => d.pick(['500m', '2']));
  maybe(0.05, 'sidecar.istio.io/proxyMemoryLimit', () => d.pick(['512Mi', '2Gi']));
  maybe(0.05, 'sidecar.istio.io/interceptionMode', () => d.pick(['REDIRECT', 'TPROXY']));
  maybe(0.05, 'sidecar.istio.io/logLevel', () => d.pick(['debug', 'warning', 'info']));
  maybe(0.05, 'sidecar.istio.io/componentLogLevel', () => 'misc:error,upstream:debug');
  maybe(0.05, 'sidecar.istio.io/agentLogLevel', () => 'default:debug');
  maybe(0.05, 'sidecar.istio.io/enableCoreDump', () => d.pick(['true', 'false']));
  maybe(0.05, 'sidecar.istio.io/rewriteAppHTTPProbers', () => d.pick(['true', 'false']));
  maybe(0.04, 'sidecar.istio.io/proxyImage', () => 'docker.io/istio/proxyv2:1.31.0-distroless');
  maybe(0.04, 'sidecar.istio.io/userVolume', () => '{"extra":{"emptyDir":{}}}');
  maybe(0.04, 'sidecar.istio.io/userVolumeMount', () => '{"extra":{"mountPath":"/etc/extra"}}');
  maybe(0.04, 'sidecar.istio.io/statsInclusionPrefixes', () => 'cluster.outbound,listener');
  maybe(0.04, 'sidecar.istio.io/bootstrapOverride', () => 'custom-bootstrap');
  maybe(0.04, 'sidecar.istio.io/discoveryAddress', () => 'istiod.istio-system.svc:15012');
  maybe(0.08, 'traffic.sidecar.istio.io/includeOutboundIPRanges', () => d.pick(['*', '10.0.0.0/8', '10.0.0.0/8,172.16.0.0/12', '']));
  maybe(0.08, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', () => d.pick(['169.254.169.254/32', '10.1.0.0/16,192.168.0.0/16']));
  maybe(0.08, 'traffic.sidecar.istio.io/includeInboundPorts', () => d.pick(['*', port(), `${port()},${port()}`, '']));
  maybe(0.08, 'traffic.sidecar.istio.io/excludeInboundPorts', () => d.pick([port(), '8081,9091']));
  maybe(0.08, 'traffic.sidecar.istio.io/excludeOutboundPorts', () => d.pick(['5432', '3306,6379']));
  maybe(0.04, 'traffic.sidecar.istio.io/includeOutboundPorts', () => '443');
  maybe(0.04, 'traffic.sidecar.istio.io/kubevirtInterfaces', () => 'net1,net2');
  maybe(0.04, 'traffic.sidecar.istio.io/excludeInterfaces', () => 'eth1');
  maybe(0.06, 'status.sidecar.istio.io/port', () => d.pick(['15020', '15021', '0']));
  maybe(0.06, 'readiness.status.sidecar.istio.io/initialDelaySeconds', () => String(d.int(0, 30)));
  maybe(0.06, 'readiness.status.sidecar.istio.io/periodSeconds', () => String(d.int(1, 30)));
  maybe(0.06, 'readiness.status.sidecar.istio.io/failureThreshold', () => String(d.int(1, 30)));
  maybe(0.05, 'readiness.status.sidecar.istio.io/applicationPorts', () => `${port()}`);
  maybe(0.1, 'proxy.istio.io/config', () =>
    d.pick([
      'holdApplicationUntilProxyStarts: true',
      '{ "holdApplicationUntilProxyStarts": false }',
      'concurrency: 2',
      'proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: "true"\n  FOO: bar',
      'terminationDrainDuration: 30s',
      'tracing:\n  sampling: 10',
    ]));
  maybe(0.15, 'prometheus.io/scrape', () => d.pick(['true', 'false']));
  maybe(0.1, 'prometheus.io/port', () => port());
  maybe(0.1, 'prometheus.io/path', () => d.pick(['/metrics', '/stats/prometheus']));
  maybe(0.05, 'sidecar.istio.io/inject', () => d.pick(['false', 'true']));
  maybe(0.05, 'kubectl.kubernetes.io/default-container', () => 'app');
  maybe(0.05, 'team.example.com/owner', () => 'payments');
  return a;
}

function podSpec(d: Dice, kind: string, name: string): { spec: JsonObject; ports: number[] } {
  const containers = [container(d, 'app')];
  if (d.chance(0.25)) containers.push(container(d, d.pick(['sidecar', 'worker', 'logger'])));
  const spec: JsonObject = { containers };
  if (d.chance(0.2)) spec.initContainers = [container(d, 'init-db', true)];
  const restartNever = kind === 'Job' || kind === 'CronJob';
  if (restartNever) spec.restartPolicy = d.pick(['Never', 'OnFailure']);
  else if (kind === 'Pod' && d.chance(0.3)) spec.restartPolicy = d.pick(['Always', 'Never']);
  if (d.chance(0.3)) spec.serviceAccountName = d.pick([name, 'default', 'runner']);
  if (d.chance(0.08)) spec.hostNetwork = true;
  if (d.chance(0.2)) spec.tolerations = [{ key: 'dedicated', operator: d.pick(['Equal', 'Exists']), ...(d.chance(0.5) ? { value: 'mesh' } : {}), effect: d.pick(['NoSchedule', 'NoExecute']), ...(d.chance(0.2) ? { tolerationSeconds: 300 } : {}) }];
  if (d.chance(0.2)) spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
  if (d.chance(0.2)) spec.securityContext = { fsGroup: d.pick([1000, 2000]), ...(d.chance(0.5) ? { runAsUser: 1000, runAsGroup: 3000 } : {}), ...(d.chance(0.2) ? { seccompProfile: { type: 'RuntimeDefault' } } : {}) };
  if (d.chance(0.1)) spec.terminationGracePeriodSeconds = d.int(0, 60);
  if (d.chance(0.1)) spec.priorityClassName = 'high';
  if (d.chance(0.05)) spec.dnsPolicy = 'ClusterFirstWithHostNet';
  if (d.chance(0.05)) spec.imagePullSecrets = [{ name: 'registry' }];
  if (d.chance(0.05)) spec.affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: name } } } }] } };
  const volumes: JsonObject[] = [];
  if (containers.some((c) => c.volumeMounts)) volumes.push(d.pick([{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }, { name: 'data', configMap: { name: 'settings' } }, { name: 'data', secret: { secretName: 'db', defaultMode: 256 } }, { name: 'data', persistentVolumeClaim: { claimName: 'shared' } }]));
  if (d.chance(0.1)) volumes.push({ name: 'host', hostPath: { path: '/var/log', type: 'Directory' } });
  if (d.chance(0.05)) volumes.push({ name: 'projected', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'vault' } }] } });
  if (volumes.length && kind !== 'StatefulSet') spec.volumes = volumes;
  else if (volumes.length) spec.volumes = volumes.filter((v) => v.name !== 'data' || d.chance(0.5));
  const ports = containers.flatMap((c) => (c.ports ?? []).map((p: JsonObject) => p.containerPort as number));
  return { spec, ports };
}

function workload(d: Dice, index: number): JsonObject {
  const kind = d.pick(KINDS);
  const name = `${d.pick(['web', 'api', 'db', 'cache', 'worker', 'ui', 'payments'])}-${index}`;
  const labels: JsonObject = { app: name };
  if (d.chance(0.5)) labels.version = d.pick(['v1', 'v2', 'canary']);
  if (d.chance(0.1)) labels['service.istio.io/canonical-name'] = `${name}-svc`;
  if (d.chance(0.1)) labels['app.kubernetes.io/name'] = name;
  if (d.chance(0.05)) labels['sidecar.istio.io/inject'] = d.pick(['false', 'true']);
  const { spec, ports } = podSpec(d, kind, name);
  const templateMeta: JsonObject = { labels };
  const ann = annotations(d, ports);
  if (Object.keys(ann).length) templateMeta.annotations = ann;
  const template = { metadata: templateMeta, spec };
  const meta: JsonObject = { name };
  if (d.chance(0.3)) meta.namespace = d.pick(['shop', 'default', 'team-a']);
  if (d.chance(0.2)) meta.labels = { tier: d.pick(['frontend', 'backend']) };
  const base = { apiVersion: API[kind], kind, metadata: meta };
  switch (kind) {
    case 'Pod':
      return { ...base, metadata: { ...meta, labels, ...(templateMeta.annotations ? { annotations: templateMeta.annotations } : {}) }, spec };
    case 'Deployment':
      return {
        ...base,
        spec: {
          ...(d.chance(0.7) ? { replicas: d.int(0, 5) } : {}),
          selector: { matchLabels: { app: name } },
          ...(d.chance(0.2) ? { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: d.pick(['25%', 1]), maxUnavailable: d.pick([0, '50%']) } } } : {}),
          ...(d.chance(0.1) ? { revisionHistoryLimit: 3, minReadySeconds: 5 } : {}),
          template,
        },
      };
    case 'StatefulSet': {
      const s: JsonObject = { ...(d.chance(0.7) ? { replicas: d.int(1, 3) } : {}), selector: { matchLabels: { app: name } }, template };
      if (d.chance(0.6)) s.serviceName = name;
      if (d.chance(0.5)) {
        s.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: d.pick(['1Gi', '10Gi', '500M']) } }, ...(d.chance(0.3) ? { storageClassName: 'standard' } : {}) } }];
      }
      if (d.chance(0.2)) s.podManagementPolicy = 'Parallel';
      return { ...base, spec: s };
    }
    case 'DaemonSet':
      return { ...base, spec: { selector: { matchLabels: { app: name } }, ...(d.chance(0.2) ? { updateStrategy: { type: 'OnDelete' } } : {}), template } };
    case 'ReplicaSet':
      return { ...base, spec: { replicas: d.int(0, 3), selector: { matchLabels: { app: name } }, template } };
    case 'ReplicationController':
      return { ...base, spec: { replicas: d.int(0, 3), selector: { app: name }, template } };
    case 'Job':
      return { ...base, spec: { ...(d.chance(0.5) ? { backoffLimit: d.int(0, 6) } : {}), ...(d.chance(0.3) ? { completions: 3, parallelism: 2 } : {}), template } };
    default:
      return {
        ...base,
        spec: {
          schedule: d.pick(['*/5 * * * *', '0 3 * * *']),
          ...(d.chance(0.3) ? { concurrencyPolicy: 'Forbid' } : {}),
          jobTemplate: { spec: { template } },
        },
      };
  }
}

function otherDocument(d: Dice, index: number): JsonObject {
  return d.pick([
    { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${index}` }, spec: { selector: { app: `web-${index}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `settings-${index}` }, data: { color: 'blue', 'app.properties': 'a=1\nb=2\n' } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: `vs-${index}` }, spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }] }] } },
  ]);
}

/**
 * `count` workloads as YAML files of about `perFile` documents each (some wrapped in a List, with other
 * kinds in between), deterministic for a seed.
 */
export function generateCorpus(seed: number, count: number, perFile = 250): Array<{ name: string; text: string; workloads: number }> {
  const d = new Dice(prng(seed));
  const files: Array<{ name: string; text: string; workloads: number }> = [];
  let made = 0;
  while (made < count) {
    const docs: string[] = [];
    let inFile = 0;
    while (inFile < perFile && made < count) {
      if (d.chance(0.05)) {
        const items = Array.from({ length: Math.min(d.int(2, 4), count - made) }, () => workload(d, made++));
        inFile += items.length;
        docs.push(stringify({ apiVersion: 'v1', kind: 'List', items }));
      } else {
        docs.push(stringify(workload(d, made++)));
        inFile++;
      }
      if (d.chance(0.1)) docs.push(stringify(otherDocument(d, made)));
    }
    files.push({ name: `corpus-${seed}-${files.length}.yaml`, text: docs.join('---\n'), workloads: inFile });
  }
  return files;
}
