// The default sidecar injection template (istio-discovery files/injection-template.yaml), written as
// direct code that builds the same partial pod the Go template renders.
import { proxyImage, proxyInitImage } from './settings';
import { annotation, excludeInboundPort, orDefault, resources, sortedEnv, trimAll, truthy } from './template-helpers';
import { cniAnnotations } from './template-cni';
import { templateContext, type TemplateInput } from './template-context';
import { proxyEnv, proxyVolumeMounts, proxyVolumes } from './template-proxy';
import { PROXY_CONTAINER, REVISION_LABEL } from '../istio/vocabulary';
import type { JsonObject } from '../json-object';

/** Renders the sidecar template: the partial pod that is strategic-merged into the workload's pod. */
export function renderSidecarTemplate(input: TemplateInput): JsonObject {
  const ctx = templateContext(input);
  const { metadata: meta, proxyConfig, settings, deployMeta, values, globalValues, proxyValues, meshConfig, labels } = ctx;
  const { annotations: annos, interceptionMode: mode, nativeSidecar: native, appContainers: containers } = ctx;
  const isset = (k: string) => k in annos;
  const tproxy = mode === 'TPROXY';
  const capNetBindService = annotation(meta, 'sidecar.istio.io/capNetBindService', proxyValues.capNetBindService) === 'true';
  const proxyMetadata: JsonObject = proxyConfig.proxyMetadata ?? {};
  const statusPort = annotation(meta, 'status.sidecar.istio.io/port', proxyValues.statusPort);
  const logLevel = annotation(meta, 'sidecar.istio.io/agentLogLevel', globalValues.logging?.level);

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
  const outAnnos: JsonObject = { [REVISION_LABEL]: orDefault(settings.revision, 'default') };
  if (containers.length >= 1) {
    if (!isset('kubectl.kubernetes.io/default-logs-container')) outAnnos['kubectl.kubernetes.io/default-logs-container'] = containers[0];
    if (!isset('kubectl.kubernetes.io/default-container')) outAnnos['kubectl.kubernetes.io/default-container'] = containers[0];
  }

  const cni = truthy(values.pilot?.cni?.enabled);
  if (cni) Object.assign(outAnnos, cniAnnotations(ctx, statusPort));

  const holdProxy = (proxyConfig.holdApplicationUntilProxyStarts === true || proxyValues.holdApplicationUntilProxyStarts === true) && !native;
  const noInitContainer = mode === 'NONE' && !native;
  const res = resources(meta, values);
  const initContainers: JsonObject[] = [];

  if (!noInitContainer && mode !== 'NONE') {
    const initImageAnno = annotation(meta, 'sidecar.istio.io/proxyImage', globalValues.proxy_init?.image);
    const excluded = excludeInboundPort(statusPort, annotation(meta, 'traffic.sidecar.istio.io/excludeInboundPorts', proxyValues.excludeInboundPorts));
    const args = [
      'istio-iptables',
      '-p',
      orDefault(meshConfig.proxyListenPort, '15001'),
      '-z',
      orDefault(meshConfig.proxyInboundListenPort, '15006'),
      '-u',
      '1337',
      '-m',
      mode,
      '-i',
      annotation(meta, 'traffic.sidecar.istio.io/includeOutboundIPRanges', proxyValues.includeIPRanges),
      '-x',
      annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', proxyValues.excludeIPRanges),
      '-b',
      annotation(meta, 'traffic.sidecar.istio.io/includeInboundPorts', proxyValues.includeInboundPorts),
      '-d',
      excluded ? `15090,15021,${excluded}` : '15090,15021',
    ];
    if (isset('traffic.sidecar.istio.io/includeOutboundPorts') || orDefault(proxyValues.includeOutboundPorts) !== '') {
      args.push('-q', annotation(meta, 'traffic.sidecar.istio.io/includeOutboundPorts', proxyValues.includeOutboundPorts));
    }
    if (isset('traffic.sidecar.istio.io/excludeOutboundPorts') || orDefault(proxyValues.excludeOutboundPorts) !== '') {
      args.push('-o', annotation(meta, 'traffic.sidecar.istio.io/excludeOutboundPorts', proxyValues.excludeOutboundPorts));
    }
    if (isset('istio.io/reroute-virtual-interfaces')) args.push('-k', String(annos['istio.io/reroute-virtual-interfaces']));
    else if (isset('traffic.sidecar.istio.io/kubevirtInterfaces')) args.push('-k', String(annos['traffic.sidecar.istio.io/kubevirtInterfaces']));
    if (isset('traffic.sidecar.istio.io/excludeInterfaces')) args.push('-c', String(annos['traffic.sidecar.istio.io/excludeInterfaces']));
    args.push(`--log_output_level=${logLevel}`);
    if (truthy(globalValues.logAsJson)) args.push('--log_as_json');
    if (cni) args.push('--run-validation', '--skip-rule-apply');
    else if (truthy(globalValues.proxy_init?.forceApplyIptables)) args.push('--force-apply');
    if (truthy(globalValues.nativeNftables)) args.push('--native-nftables');
    const init: JsonObject = {
      name: cni ? 'istio-validation' : 'istio-init',
      image: initImageAnno.includes('/') ? initImageAnno : proxyInitImage(settings, annos),
      args,
    };
    if (truthy(globalValues.imagePullPolicy)) init.imagePullPolicy = globalValues.imagePullPolicy;
    if (truthy(proxyMetadata)) init.env = sortedEnv(proxyMetadata);
    init.resources = res;
    init.securityContext = cni
      ? {
          allowPrivilegeEscalation: proxyValues.privileged,
          privileged: proxyValues.privileged,
          capabilities: { drop: ['ALL'] },
          readOnlyRootFilesystem: true,
          runAsGroup: 1337,
          runAsUser: 1337,
          runAsNonRoot: true,
        }
      : {
          allowPrivilegeEscalation: proxyValues.privileged,
          privileged: proxyValues.privileged,
          capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
          readOnlyRootFilesystem: false,
          runAsGroup: 0,
          runAsNonRoot: false,
          runAsUser: 0,
        };
    if (truthy(proxyValues.seccompProfile)) init.securityContext.seccompProfile = proxyValues.seccompProfile;
    initContainers.push(init);
  }

  const proxyImageAnno = annotation(meta, 'sidecar.istio.io/proxyImage', proxyValues.image);
  const sidecar: JsonObject = {
    name: PROXY_CONTAINER,
    image: proxyImageAnno.includes('/') ? proxyImageAnno : proxyImage(settings, annos),
  };
  if (native) sidecar.restartPolicy = 'Always';
  sidecar.ports = [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }];
  sidecar.args = [
    'proxy',
    'sidecar',
    '--domain',
    `$(POD_NAMESPACE).svc.${proxyValues.clusterDomain}`,
    `--proxyLogLevel=${annotation(meta, 'sidecar.istio.io/logLevel', proxyValues.logLevel)}`,
    `--proxyComponentLogLevel=${annotation(meta, 'sidecar.istio.io/componentLogLevel', proxyValues.componentLogLevel)}`,
    `--log_output_level=${logLevel}`,
  ];
  if (truthy(globalValues.sts?.servicePort)) sidecar.args.push(`--stsPort=${globalValues.sts.servicePort}`);
  if (truthy(globalValues.logAsJson)) sidecar.args.push('--log_as_json');
  if (truthy(proxyValues.outlierLogPath)) sidecar.args.push(`--outlierLogPath=${proxyValues.outlierLogPath}`);
  if (truthy(proxyValues.lifecycle)) sidecar.lifecycle = proxyValues.lifecycle;
  else if (holdProxy) sidecar.lifecycle = { postStart: { exec: { command: ['pilot-agent', 'wait'] } } };
  else if (native) {
    sidecar.lifecycle = {
      preStop: { exec: { command: ['pilot-agent', 'request', `--debug-port=${statusPort}`, 'POST', 'drain'] } },
    };
  }
  sidecar.env = proxyEnv(ctx);
  if (truthy(globalValues.imagePullPolicy)) sidecar.imagePullPolicy = globalValues.imagePullPolicy;
  if (statusPort !== '0') {
    if (truthy(proxyValues.startupProbe?.enabled)) {
      sidecar.startupProbe = {
        httpGet: { path: '/healthz/ready', port: 15021 },
        initialDelaySeconds: 0,
        periodSeconds: 1,
        timeoutSeconds: 3,
        failureThreshold: proxyValues.startupProbe.failureThreshold,
      };
    }
    sidecar.readinessProbe = {
      httpGet: { path: '/healthz/ready', port: 15021 },
      initialDelaySeconds: Number(annotation(meta, 'readiness.status.sidecar.istio.io/initialDelaySeconds', proxyValues.readinessInitialDelaySeconds)),
      periodSeconds: Number(annotation(meta, 'readiness.status.sidecar.istio.io/periodSeconds', proxyValues.readinessPeriodSeconds)),
      timeoutSeconds: 3,
      failureThreshold: Number(annotation(meta, 'readiness.status.sidecar.istio.io/failureThreshold', proxyValues.readinessFailureThreshold)),
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
      allowPrivilegeEscalation: proxyValues.privileged,
      capabilities: add.length ? { add, drop: ['ALL'] } : { drop: ['ALL'] },
      privileged: proxyValues.privileged,
      readOnlyRootFilesystem: true,
      ...(tproxy || capNetBindService
        ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 1337 }
        : { runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337 }),
    };
  }
  if (truthy(proxyValues.seccompProfile)) sidecar.securityContext.seccompProfile = proxyValues.seccompProfile;
  sidecar.resources = res;
  sidecar.volumeMounts = proxyVolumeMounts(ctx);

  const out: JsonObject = { metadata: { labels: outLabels, annotations: outAnnos }, spec: {} };
  if (native) initContainers.push(sidecar);
  out.spec.initContainers = initContainers;
  if (!native) out.spec.containers = [sidecar];
  out.spec.volumes = proxyVolumes(ctx);
  if (truthy(globalValues.imagePullSecrets)) out.spec.imagePullSecrets = globalValues.imagePullSecrets.map((n: unknown) => ({ name: n }));
  return out;
}
