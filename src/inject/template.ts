// The default sidecar injection template (istio-discovery files/injection-template.yaml), written as
// direct code that builds the same partial pod the Go template renders.
import type { InjectionSettings } from './settings';
import { proxyImage, proxyInitImage } from './settings';
import { annotation, excludeInboundPort, orDefault, resources, sortedEnv, trimAll, truthy } from './template-helpers';
import { cniAnnotations } from './template-cni';
import { proxyEnv, proxyVolumeMounts, proxyVolumes } from './template-proxy';
import type { JsonObject } from '../json-object';

export { appendMultusNetwork } from './template-cni';
export { excludeInboundPort, sprint } from './template-helpers';

export interface TemplateInput {
  typeMeta: { apiVersion?: string; kind?: string };
  deployMeta: { name: string; namespace: string };
  metadata: JsonObject; // stripped pod metadata
  spec: JsonObject; // stripped pod spec
  proxyConfig: JsonObject; // effective ProxyConfig (mesh defaultConfig + proxy.istio.io/config)
  settings: InjectionSettings;
  nativeSidecars: boolean;
}

function interceptionMode(meta: JsonObject, pc: JsonObject): string {
  return annotation(meta, 'sidecar.istio.io/interceptionMode', pc.interceptionMode ?? 'REDIRECT');
}

export function isNativeSidecar(meta: JsonObject, nativeSidecars: boolean): boolean {
  return orDefault(meta.annotations?.['sidecar.istio.io/nativeSidecar'], String(nativeSidecars)) !== 'false';
}
/** Renders the sidecar template: the partial pod that is strategic-merged into the workload's pod. */
export function renderSidecarTemplate(input: TemplateInput): JsonObject {
  const { metadata: meta, spec, proxyConfig: pc, settings, deployMeta } = input;
  const values = settings.values;
  const g = values.global ?? {};
  const proxy = g.proxy ?? {};
  const mesh = settings.meshConfig;
  const labels: JsonObject = meta.labels ?? {};
  const annos: JsonObject = meta.annotations ?? {};
  const isset = (k: string) => k in annos;
  const mode = interceptionMode(meta, pc);
  const tproxy = mode === 'TPROXY';
  const capNetBindService = annotation(meta, 'sidecar.istio.io/capNetBindService', proxy.capNetBindService) === 'true';
  const native = isNativeSidecar(meta, input.nativeSidecars);
  const containers: string[] = (spec.containers ?? []).map((c: JsonObject) => c.name).filter((n: string) => n !== 'istio-proxy');
  const proxyMetadata: JsonObject = pc.proxyMetadata ?? {};
  const statusPort = annotation(meta, 'status.sidecar.istio.io/port', proxy.statusPort);
  const logLevel = annotation(meta, 'sidecar.istio.io/agentLogLevel', g.logging?.level);

  const outLabels: JsonObject = { 'security.istio.io/tlsMode': orDefault(labels['security.istio.io/tlsMode'], 'istio') };
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
  const outAnnos: JsonObject = { 'istio.io/rev': orDefault(settings.revision, 'default') };
  if (containers.length >= 1) {
    if (!isset('kubectl.kubernetes.io/default-logs-container')) outAnnos['kubectl.kubernetes.io/default-logs-container'] = containers[0];
    if (!isset('kubectl.kubernetes.io/default-container')) outAnnos['kubectl.kubernetes.io/default-container'] = containers[0];
  }

  const cni = truthy(values.pilot?.cni?.enabled);
  if (cni) Object.assign(outAnnos, cniAnnotations(meta, values, mode, statusPort));

  const holdProxy = (pc.holdApplicationUntilProxyStarts === true || proxy.holdApplicationUntilProxyStarts === true) && !native;
  const noInitContainer = mode === 'NONE' && !native;
  const res = resources(meta, values);
  const initContainers: JsonObject[] = [];

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
    const init: JsonObject = {
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
  const sidecar: JsonObject = {
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

  const out: JsonObject = { metadata: { labels: outLabels, annotations: outAnnos }, spec: {} };
  if (native) initContainers.push(sidecar);
  out.spec.initContainers = initContainers;
  if (!native) out.spec.containers = [sidecar];
  out.spec.volumes = proxyVolumes(meta, spec, values);
  if (truthy(g.imagePullSecrets)) out.spec.imagePullSecrets = g.imagePullSecrets.map((n: unknown) => ({ name: n }));
  return out;
}
