// The default sidecar injection template (istio-discovery files/injection-template.yaml), written as
// direct code that builds the same partial pod the Go template renders.
import type { InjectionSettings, Values } from './settings';
import { proxyImage, proxyInitImage } from './settings';
import { proxyConfigJson } from './proxyconfig';
import { goJson, normalize } from './normalize';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface TemplateInput {
  typeMeta: { apiVersion?: string; kind?: string };
  deployMeta: { name: string; namespace: string };
  metadata: Obj; // stripped pod metadata
  spec: Obj; // stripped pod spec
  proxyConfig: Obj; // effective ProxyConfig (mesh defaultConfig + proxy.istio.io/config)
  settings: InjectionSettings;
  nativeSidecars: boolean;
}

/** Go's fmt.Sprint of a template value. */
export function sprint(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  return String(v);
}

function annotation(meta: Obj, name: string, def: unknown): string {
  const annos: Obj = meta.annotations ?? {};
  return name in annos ? String(annos[name]) : sprint(def);
}

/** sprig `default`: empty values fall through to the default. */
function orDefault(...vals: unknown[]): string {
  for (const v of vals) if (v !== undefined && v !== null && v !== '') return String(v);
  return '';
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function trimAll(s: string, cutset: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && cutset.includes(s[a])) a++;
  while (b > a && cutset.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

export function excludeInboundPort(port: string, excluded: string): string {
  const portStr = port.trim();
  if (portStr === '' || portStr === '0') return excluded;
  const out: string[] = [];
  for (const p of excluded.split(',')) {
    if (p === portStr) return excluded;
    if (p.trim() !== '') out.push(p.trim());
  }
  out.push(portStr);
  return out.join(',');
}

function interceptionMode(meta: Obj, pc: Obj): string {
  return annotation(meta, 'sidecar.istio.io/interceptionMode', pc.interceptionMode ?? 'REDIRECT');
}

export function isNativeSidecar(meta: Obj, nativeSidecars: boolean): boolean {
  return orDefault(meta.annotations?.['sidecar.istio.io/nativeSidecar'], String(nativeSidecars)) !== 'false';
}

function resources(meta: Obj, values: Values): Obj | undefined {
  const annos: Obj = meta.annotations ?? {};
  const has = (k: string) => k in annos;
  const cpu = 'sidecar.istio.io/proxyCPU';
  const mem = 'sidecar.istio.io/proxyMemory';
  const cpuLimit = 'sidecar.istio.io/proxyCPULimit';
  const memLimit = 'sidecar.istio.io/proxyMemoryLimit';
  if (has(cpu) || has(mem) || has(cpuLimit) || has(memLimit)) {
    const out: Obj = {};
    if (has(cpu) || has(mem)) {
      out.requests = {};
      if (has(cpu)) out.requests.cpu = annos[cpu];
      if (has(mem)) out.requests.memory = annos[mem];
    }
    if (has(cpuLimit) || has(memLimit)) {
      out.limits = {};
      if (has(cpuLimit)) out.limits.cpu = annos[cpuLimit];
      if (has(memLimit)) out.limits.memory = annos[memLimit];
    }
    return out;
  }
  const r = values.global?.proxy?.resources;
  return truthy(r) ? omitNil(r) : undefined;
}

function omitNil(v: any): any {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(omitNil);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = omitNil(x);
    return out;
  }
  return v;
}

function sortedEnv(map: Obj | undefined): Obj[] {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => ({ name: k, value: String(map![k]) }));
}

function fieldEnv(name: string, fieldPath: string): Obj {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

function podPorts(spec: Obj): string {
  let out = '[';
  let first = true;
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      out += `\n    ${first ? '' : ','}${goJson(normalize(p, 'ContainerPort'))}`;
      first = false;
    }
  }
  return `${out}\n]`;
}

/** Renders the sidecar template: the partial pod that is strategic-merged into the workload's pod. */
export function renderSidecarTemplate(input: TemplateInput): Obj {
  const { metadata: meta, spec, proxyConfig: pc, settings, typeMeta, deployMeta } = input;
  const values = settings.values;
  const g = values.global ?? {};
  const proxy = g.proxy ?? {};
  const mesh = settings.meshConfig;
  const labels: Obj = meta.labels ?? {};
  const annos: Obj = meta.annotations ?? {};
  const isset = (k: string) => k in annos;
  const mode = interceptionMode(meta, pc);
  const tproxy = mode === 'TPROXY';
  const capNetBindService = annotation(meta, 'sidecar.istio.io/capNetBindService', proxy.capNetBindService) === 'true';
  const native = isNativeSidecar(meta, input.nativeSidecars);
  const containers: string[] = (spec.containers ?? []).map((c: Obj) => c.name).filter((n: string) => n !== 'istio-proxy');
  const proxyMetadata: Obj = pc.proxyMetadata ?? {};
  const statusPort = annotation(meta, 'status.sidecar.istio.io/port', proxy.statusPort);
  const logLevel = annotation(meta, 'sidecar.istio.io/agentLogLevel', g.logging?.level);

  const outLabels: Obj = { 'security.istio.io/tlsMode': orDefault(labels['security.istio.io/tlsMode'], 'istio') };
  if (proxyMetadata.ISTIO_META_ENABLE_HBONE === 'true') {
    outLabels['networking.istio.io/tunnel'] = orDefault(labels['networking.istio.io/tunnel'], 'http');
  }
  outLabels['service.istio.io/canonical-name'] = trimAll(
    orDefault(labels['service.istio.io/canonical-name'], labels['app.kubernetes.io/name'], labels.app, deployMeta.name).slice(0, 63),
    '-_.',
  );
  outLabels['service.istio.io/canonical-revision'] = orDefault(
    labels['service.istio.io/canonical-revision'],
    labels['app.kubernetes.io/version'],
    labels.version,
    'latest',
  );
  const outAnnos: Obj = { 'istio.io/rev': orDefault(settings.revision, 'default') };
  if (containers.length >= 1) {
    if (!isset('kubectl.kubernetes.io/default-logs-container')) outAnnos['kubectl.kubernetes.io/default-logs-container'] = containers[0];
    if (!isset('kubectl.kubernetes.io/default-container')) outAnnos['kubectl.kubernetes.io/default-container'] = containers[0];
  }

  const cni = truthy(values.pilot?.cni?.enabled);
  if (cni) Object.assign(outAnnos, cniAnnotations(meta, values, mode, statusPort));

  const holdProxy = (pc.holdApplicationUntilProxyStarts === true || proxy.holdApplicationUntilProxyStarts === true) && !native;
  const noInitContainer = mode === 'NONE' && !native;
  const res = resources(meta, values);
  const initContainers: Obj[] = [];

  if (!noInitContainer && mode !== 'NONE') {
    const initImageAnno = annotation(meta, 'sidecar.istio.io/proxyImage', g.proxy_init?.image);
    const excluded = excludeInboundPort(statusPort, annotation(meta, 'traffic.sidecar.istio.io/excludeInboundPorts', proxy.excludeInboundPorts));
    const args = [
      'istio-iptables',
      '-p',
      orDefault(mesh.proxyListenPort, '15001'),
      '-z',
      orDefault(mesh.proxyInboundListenPort, '15006'),
      '-u',
      '1337',
      '-m',
      mode,
      '-i',
      annotation(meta, 'traffic.sidecar.istio.io/includeOutboundIPRanges', proxy.includeIPRanges),
      '-x',
      annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', proxy.excludeIPRanges),
      '-b',
      annotation(meta, 'traffic.sidecar.istio.io/includeInboundPorts', proxy.includeInboundPorts),
      '-d',
      excluded ? `15090,15021,${excluded}` : '15090,15021',
    ];
    if (isset('traffic.sidecar.istio.io/includeOutboundPorts') || orDefault(proxy.includeOutboundPorts) !== '') {
      args.push('-q', annotation(meta, 'traffic.sidecar.istio.io/includeOutboundPorts', proxy.includeOutboundPorts));
    }
    if (isset('traffic.sidecar.istio.io/excludeOutboundPorts') || orDefault(proxy.excludeOutboundPorts) !== '') {
      args.push('-o', annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundPorts', proxy.excludeOutboundPorts));
    }
    if (isset('istio.io/reroute-virtual-interfaces')) args.push('-k', String(annos['istio.io/reroute-virtual-interfaces']));
    else if (isset('traffic.sidecar.istio.io/kubevirtInterfaces')) args.push('-k', String(annos['traffic.sidecar.istio.io/kubevirtInterfaces']));
    if (isset('traffic.sidecar.istio.io/excludeInterfaces')) args.push('-c', String(annos['traffic.sidecar.istio.io/excludeInterfaces']));
    args.push(`--log_output_level=${logLevel}`);
    if (truthy(g.logAsJson)) args.push('--log_as_json');
    if (cni) args.push('--run-validation', '--skip-rule-apply');
    else if (truthy(g.proxy_init?.forceApplyIptables)) args.push('--force-apply');
    if (truthy(g.nativeNftables)) args.push('--native-nftables');
    const init: Obj = {
      name: cni ? 'istio-validation' : 'istio-init',
      image: initImageAnno.includes('/') ? initImageAnno : proxyInitImage(settings, annos),
      args,
    };
    if (truthy(g.imagePullPolicy)) init.imagePullPolicy = g.imagePullPolicy;
    if (truthy(proxyMetadata)) init.env = sortedEnv(proxyMetadata);
    init.resources = res;
    init.securityContext = cni
      ? {
          allowPrivilegeEscalation: proxy.privileged,
          privileged: proxy.privileged,
          capabilities: { drop: ['ALL'] },
          readOnlyRootFilesystem: true,
          runAsGroup: 1337,
          runAsUser: 1337,
          runAsNonRoot: true,
        }
      : {
          allowPrivilegeEscalation: proxy.privileged,
          privileged: proxy.privileged,
          capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
          readOnlyRootFilesystem: false,
          runAsGroup: 0,
          runAsNonRoot: false,
          runAsUser: 0,
        };
    if (truthy(proxy.seccompProfile)) init.securityContext.seccompProfile = proxy.seccompProfile;
    initContainers.push(init);
  }

  const proxyImageAnno = annotation(meta, 'sidecar.istio.io/proxyImage', proxy.image);
  const sidecar: Obj = {
    name: 'istio-proxy',
    image: proxyImageAnno.includes('/') ? proxyImageAnno : proxyImage(settings, annos),
  };
  if (native) sidecar.restartPolicy = 'Always';
  sidecar.ports = [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }];
  sidecar.args = [
    'proxy',
    'sidecar',
    '--domain',
    `$(POD_NAMESPACE).svc.${proxy.clusterDomain}`,
    `--proxyLogLevel=${annotation(meta, 'sidecar.istio.io/logLevel', proxy.logLevel)}`,
    `--proxyComponentLogLevel=${annotation(meta, 'sidecar.istio.io/componentLogLevel', proxy.componentLogLevel)}`,
    `--log_output_level=${logLevel}`,
  ];
  if (truthy(g.sts?.servicePort)) sidecar.args.push(`--stsPort=${g.sts.servicePort}`);
  if (truthy(g.logAsJson)) sidecar.args.push('--log_as_json');
  if (truthy(proxy.outlierLogPath)) sidecar.args.push(`--outlierLogPath=${proxy.outlierLogPath}`);
  if (truthy(proxy.lifecycle)) sidecar.lifecycle = proxy.lifecycle;
  else if (holdProxy) sidecar.lifecycle = { postStart: { exec: { command: ['pilot-agent', 'wait'] } } };
  else if (native) {
    sidecar.lifecycle = {
      preStop: { exec: { command: ['pilot-agent', 'request', `--debug-port=${statusPort}`, 'POST', 'drain'] } },
    };
  }
  sidecar.env = proxyEnv(input, containers);
  if (truthy(g.imagePullPolicy)) sidecar.imagePullPolicy = g.imagePullPolicy;
  if (statusPort !== '0') {
    if (truthy(proxy.startupProbe?.enabled)) {
      sidecar.startupProbe = {
        httpGet: { path: '/healthz/ready', port: 15021 },
        initialDelaySeconds: 0,
        periodSeconds: 1,
        timeoutSeconds: 3,
        failureThreshold: proxy.startupProbe.failureThreshold,
      };
    }
    sidecar.readinessProbe = {
      httpGet: { path: '/healthz/ready', port: 15021 },
      initialDelaySeconds: Number(annotation(meta, 'readiness.status.sidecar.istio.io/initialDelaySeconds', proxy.readinessInitialDelaySeconds)),
      periodSeconds: Number(annotation(meta, 'readiness.status.sidecar.istio.io/periodSeconds', proxy.readinessPeriodSeconds)),
      timeoutSeconds: 3,
      failureThreshold: Number(annotation(meta, 'readiness.status.sidecar.istio.io/failureThreshold', proxy.readinessFailureThreshold)),
    };
  }
  if (proxyMetadata.IPTABLES_TRACE_LOGGING === 'true') {
    sidecar.securityContext = {
      allowPrivilegeEscalation: true,
      capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
      privileged: true,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: false,
      runAsUser: 0,
    };
  } else {
    const add: string[] = [];
    if (tproxy) add.push('NET_ADMIN');
    if (capNetBindService) add.push('NET_BIND_SERVICE');
    sidecar.securityContext = {
      allowPrivilegeEscalation: proxy.privileged,
      capabilities: add.length ? { add, drop: ['ALL'] } : { drop: ['ALL'] },
      privileged: proxy.privileged,
      readOnlyRootFilesystem: true,
      ...(tproxy || capNetBindService
        ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 1337 }
        : { runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337 }),
    };
  }
  if (truthy(proxy.seccompProfile)) sidecar.securityContext.seccompProfile = proxy.seccompProfile;
  sidecar.resources = res;
  sidecar.volumeMounts = proxyVolumeMounts(meta, values);

  const out: Obj = { metadata: { labels: outLabels, annotations: outAnnos }, spec: {} };
  if (native) initContainers.push(sidecar);
  out.spec.initContainers = initContainers;
  if (!native) out.spec.containers = [sidecar];
  out.spec.volumes = proxyVolumes(meta, spec, values);
  if (truthy(g.imagePullSecrets)) out.spec.imagePullSecrets = g.imagePullSecrets.map((n: unknown) => ({ name: n }));
  return out;
}

/** With istio-cni the pod carries its traffic settings as annotations for the CNI plugin. */
function cniAnnotations(meta: Obj, values: Values, mode: string, statusPort: string): Obj {
  const proxy = values.global?.proxy ?? {};
  const annos: Obj = meta.annotations ?? {};
  const isset = (k: string) => k in annos;
  const out: Obj = {};
  if (values.pilot?.cni?.provider === 'multus') {
    out['k8s.v1.cni.cncf.io/networks'] = appendMultusNetwork(String(annos['k8s.v1.cni.cncf.io/networks'] ?? ''), 'default/istio-cni');
  }
  out['sidecar.istio.io/interceptionMode'] = mode;
  const include = annotation(meta, 'traffic.sidecar.istio.io/includeOutboundIPRanges', proxy.includeIPRanges);
  if (include) out['traffic.sidecar.istio.io/includeOutboundIPRanges'] = include;
  const exclude = annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', proxy.excludeIPRanges);
  if (exclude) out['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = exclude;
  out['traffic.sidecar.istio.io/includeInboundPorts'] = annotation(meta, 'traffic.sidecar.istio.io/includeInboundPorts', proxy.includeInboundPorts);
  out['traffic.sidecar.istio.io/excludeInboundPorts'] = excludeInboundPort(
    statusPort,
    annotation(meta, 'traffic.sidecar.istio.io/excludeInboundPorts', proxy.excludeInboundPorts),
  );
  if (isset('traffic.sidecar.istio.io/includeOutboundPorts') || orDefault(proxy.includeOutboundPorts) !== '') {
    out['traffic.sidecar.istio.io/includeOutboundPorts'] = annotation(meta, 'traffic.sidecar.istio.io/includeOutboundPorts', proxy.includeOutboundPorts);
  }
  if (isset('traffic.sidecar.istio.io/excludeOutboundPorts') || proxy.excludeOutboundPorts !== '') {
    out['traffic.sidecar.istio.io/excludeOutboundPorts'] = annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundPorts', proxy.excludeOutboundPorts);
  }
  for (const k of ['traffic.sidecar.istio.io/kubevirtInterfaces', 'istio.io/reroute-virtual-interfaces', 'traffic.sidecar.istio.io/excludeInterfaces']) {
    if (truthy(annos[k])) out[k] = String(annos[k]);
  }
  return out;
}

/** Adds istio-cni to a Multus networks annotation (flat list or JSON), unless already there. */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const i = existing.lastIndexOf(']');
  if (i !== -1) {
    let networks: Obj[];
    try {
      networks = JSON.parse(existing);
      if (!Array.isArray(networks)) return existing;
    } catch {
      return existing;
    }
    const slash = network.indexOf('/');
    const ns = slash < 0 ? '' : network.slice(0, slash);
    const name = slash < 0 ? network : network.slice(slash + 1);
    if (networks.some((n) => n?.name === name && (n.namespace ?? '') === ns)) return existing;
    const entry = ns === '' ? `, {"name": "${name}"}` : `, {"name": "${name}", "namespace": "${ns}"}`;
    return existing.slice(0, i) + entry + existing.slice(i);
  }
  if (existing.split(',').some((n) => n.trim() === network)) return existing;
  return `${existing}, ${network}`;
}

function proxyEnv(input: TemplateInput, containers: string[]): Obj[] {
  const { metadata: meta, spec, proxyConfig: pc, settings, typeMeta, deployMeta } = input;
  const values = settings.values;
  const g = values.global ?? {};
  const mesh = settings.meshConfig;
  const annos: Obj = meta.annotations ?? {};
  const labels: Obj = meta.labels ?? {};
  const env: Obj[] = [];
  if (mesh.inboundTrafficPolicy?.mode === 'LOCALHOST') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push({ name: 'PILOT_CERT_PROVIDER', value: g.pilotCertProvider });
  const revision = values.revision ? `-${values.revision}` : '';
  env.push({ name: 'CA_ADDR', value: truthy(g.caAddress) ? g.caAddress : `istiod${revision}.${g.istioNamespace}.svc:15012` });
  env.push(fieldEnv('POD_NAME', 'metadata.name'));
  env.push(fieldEnv('POD_NAMESPACE', 'metadata.namespace'));
  env.push(fieldEnv('INSTANCE_IP', 'status.podIP'));
  env.push(fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'));
  env.push(fieldEnv('HOST_IP', 'status.hostIP'));
  env.push({ name: 'ISTIO_CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } });
  env.push({ name: 'PROXY_CONFIG', value: `${proxyConfigJson(pc, settings.meshConfig)}\n` });
  env.push({ name: 'ISTIO_META_POD_PORTS', value: podPorts(spec) });
  env.push({ name: 'ISTIO_META_APP_CONTAINERS', value: containers.join(',') });
  env.push({ name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1' } } });
  env.push({ name: 'ISTIO_META_CLUSTER_ID', value: orDefault(g.multiCluster?.clusterName, 'Kubernetes') });
  env.push(fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'));
  env.push({ name: 'ISTIO_META_INTERCEPTION_MODE', value: orDefault(annos['sidecar.istio.io/interceptionMode'], pc.interceptionMode ?? 'REDIRECT') });
  if (truthy(g.network)) env.push({ name: 'ISTIO_META_NETWORK', value: String(g.network) });
  const workloadName = orDefault(labels['service.istio.io/workload-name'], deployMeta.name);
  if (workloadName) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workloadName });
  if (typeMeta.apiVersion && deployMeta.name) {
    env.push({
      name: 'ISTIO_META_OWNER',
      value: `kubernetes://apis/${typeMeta.apiVersion}/namespaces/${orDefault(deployMeta.namespace, 'default')}/${String(typeMeta.kind ?? '').toLowerCase()}s/${deployMeta.name}`,
    });
  }
  if ('sidecar.istio.io/bootstrapOverride' in annos) {
    env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  }
  const trustDomain = orDefault(mesh.trustDomain, g.trustDomain);
  if (truthy(g.meshID)) env.push({ name: 'ISTIO_META_MESH_ID', value: String(g.meshID) });
  else if (trustDomain) env.push({ name: 'ISTIO_META_MESH_ID', value: trustDomain });
  if (trustDomain) env.push({ name: 'TRUST_DOMAIN', value: trustDomain });
  const otel = otelResourceAttributes(mesh, annos, labels, deployMeta.namespace, spec.containers ?? []);
  if (otel) env.push({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: otel });
  env.push(...sortedEnv(pc.proxyMetadata));
  return env;
}

/** OTEL_RESOURCE_ATTRIBUTES when an OpenTelemetry provider asks for semantic-convention enrichment. */
function otelResourceAttributes(mesh: Values, annos: Obj, labels: Obj, namespace: string, containers: Obj[]): string {
  const providers: Obj[] = Array.isArray(mesh.extensionProviders) ? mesh.extensionProviders : [];
  if (!providers.some((p) => p?.opentelemetry?.serviceAttributeEnrichment === 'OTEL_SEMANTIC_CONVENTIONS')) return '';
  const attrs: string[] = [];
  const ns = annos['resource.opentelemetry.io/service.namespace'];
  if (ns) attrs.push(`service.namespace=${ns}`);
  else if (namespace) attrs.push(`service.namespace=${namespace}`);
  const version = annos['resource.opentelemetry.io/service.version'] || labels['app.kubernetes.io/version'];
  if (version) attrs.push(`service.version=${version}`);
  else if (containers.length === 1) {
    let image = String(containers[0].image ?? '');
    let digest = '';
    const at = image.indexOf('@');
    if (at >= 0) {
      digest = image.slice(at + 1);
      image = image.slice(0, at);
    }
    const colon = image.lastIndexOf(':');
    const tag = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : '';
    if (tag && digest) attrs.push(`service.version=${tag}@${digest}`);
    else if (digest || tag) attrs.push(`service.version=${digest || tag}`);
  }
  const instance = annos['resource.opentelemetry.io/service.instance.id'];
  if (instance) attrs.push(`service.instance.id=${instance}`);
  else if (containers.length > 0) attrs.push(`service.instance.id=${namespace}.$(POD_NAME).${containers[0].name}`);
  return attrs.join(',');
}

function proxyVolumeMounts(meta: Obj, values: Values): Obj[] {
  const g = values.global ?? {};
  const annos: Obj = meta.annotations ?? {};
  const mounts: Obj[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
  ];
  if (g.caName === 'GkeWorkloadCertificate') {
    mounts.push({ name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true });
  } else mounts.push({ name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' });
  if (g.pilotCertProvider === 'istiod') {
    mounts.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
    mounts.push({ mountPath: '/var/run/secrets/istio/crl', name: 'istio-ca-crl' });
  }
  mounts.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  if ('sidecar.istio.io/bootstrapOverride' in annos) mounts.push({ mountPath: '/etc/istio/custom-bootstrap', name: 'custom-bootstrap-volume' });
  mounts.push({ mountPath: '/etc/istio/proxy', name: 'istio-envoy' });
  mounts.push({ mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (truthy(g.mountMtlsCerts)) mounts.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  mounts.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  if ('sidecar.istio.io/userVolumeMount' in annos) {
    for (const [name, value] of userJsonEntries(annos['sidecar.istio.io/userVolumeMount'])) mounts.push({ name, ...value });
  }
  return mounts;
}

/** `fromJSON` of a user annotation, ranged over in key order as Go templates do. */
function userJsonEntries(text: string): Array<[string, Obj]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  return Object.keys(parsed as Obj)
    .sort()
    .map((k) => [k, ((parsed as Obj)[k] ?? {}) as Obj]);
}

function proxyVolumes(meta: Obj, spec: Obj, values: Values): Obj[] {
  const g = values.global ?? {};
  const annos: Obj = meta.annotations ?? {};
  const vols: Obj[] = [
    { emptyDir: null, name: 'workload-socket' },
    { emptyDir: null, name: 'credential-socket' },
  ];
  if (g.caName === 'GkeWorkloadCertificate') {
    vols.push({ name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } });
  } else vols.push({ emptyDir: null, name: 'workload-certs' });
  if ('sidecar.istio.io/bootstrapOverride' in annos) {
    vols.push({ name: 'custom-bootstrap-volume', configMap: { name: String(annos['sidecar.istio.io/bootstrapOverride']) } });
  }
  vols.push({ emptyDir: { medium: 'Memory' }, name: 'istio-envoy' });
  vols.push({ name: 'istio-data', emptyDir: {} });
  vols.push({
    name: 'istio-podinfo',
    downwardAPI: {
      items: [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      ],
    },
  });
  vols.push({
    name: 'istio-token',
    projected: { sources: [{ serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience: g.sds?.token?.aud } }] },
  });
  if (g.pilotCertProvider === 'istiod') {
    if (values.pilot?.env?.ENABLE_CLUSTER_TRUST_BUNDLE_API === true) {
      vols.push({
        name: 'istiod-ca-cert',
        projected: {
          sources: [{ clusterTrustBundle: { name: `istio.io:istiod-ca:${orDefault(g.trustBundleName, 'root-cert')}`, path: 'root-cert.pem' } }],
        },
      });
    } else vols.push({ name: 'istiod-ca-cert', configMap: { name: orDefault(g.trustBundleName, 'istio-ca-root-cert') } });
  }
  vols.push({ name: 'istio-ca-crl', configMap: { name: orDefault(values.pilot?.crlConfigMapName, 'istio-ca-crl'), optional: true } });
  if (truthy(g.mountMtlsCerts)) {
    const sa = spec.serviceAccountName;
    vols.push({ name: 'istio-certs', secret: { optional: true, secretName: sa ? `istio.${sa}` : 'istio.default' } });
  }
  if ('sidecar.istio.io/userVolume' in annos) {
    for (const [name, value] of userJsonEntries(annos['sidecar.istio.io/userVolume'])) vols.push({ name, ...value });
  }
  return vols;
}
