// Values and mesh-config options beyond the CASES.md settings (CNI, TPROXY, pull policy, status port,
// mTLS certs, proxy resources, tracing, OTel, localhost probes). Our own inputs; the rules come from
// the chart templates of the pinned Istio (1.31), which the built-in injector renders.
import { parseAllDocuments } from 'yaml';
import { injectManifests, injectionSettings } from '../../src/inject';
import { appendMultusNetwork } from '../../src/inject/template-funcs';
import type { JsonObject } from '../../src/json-object';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {app.kubernetes.io/version: v2}
spec:
  containers:
  - name: web
    image: nginx:1.27
`;

type Opts = Parameters<typeof injectionSettings>[0];

function injected(opts: Opts, text = POD): JsonObject {
  return parseAllDocuments(injectManifests(text, 'pod.yaml', injectionSettings(opts)).output)[0].toJS();
}

const container = (pod: JsonObject, name: string) =>
  [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].find((c: JsonObject) => c.name === name);
const env = (pod: JsonObject, name: string) => container(pod, 'istio-proxy').env.find((e: JsonObject) => e.name === name)?.value;

describe('injection options', () => {
  it('istio-cni: istio-validation instead of istio-init, traffic annotations, network label', () => {
    const pod = injected({ values: { pilot: { cni: { enabled: true } }, global: { network: 'net1' } } });
    expect(container(pod, 'istio-init')).toBeUndefined();
    const validation = container(pod, 'istio-validation');
    expect(validation.args.slice(-2)).toEqual(['--run-validation', '--skip-rule-apply']);
    expect(validation.securityContext).toMatchObject({ runAsUser: 1337, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(pod.metadata.annotations).toMatchObject({
      'sidecar.istio.io/interceptionMode': 'REDIRECT',
      'traffic.sidecar.istio.io/includeInboundPorts': '*',
      'traffic.sidecar.istio.io/excludeInboundPorts': '15020',
    });
    expect(pod.metadata.labels['topology.istio.io/network']).toBe('net1');
    expect(env(pod, 'ISTIO_META_NETWORK')).toBe('net1');
  });

  it('Multus: istio-cni is appended to existing networks once', () => {
    expect(appendMultusNetwork('', 'default/istio-cni')).toBe('default/istio-cni');
    expect(appendMultusNetwork('a, b', 'default/istio-cni')).toBe('a, b, default/istio-cni');
    expect(appendMultusNetwork('a, default/istio-cni', 'default/istio-cni')).toBe('a, default/istio-cni');
    expect(appendMultusNetwork('[{"name": "a"}]', 'default/istio-cni')).toBe('[{"name": "a"}, {"name": "istio-cni", "namespace": "default"}]');
    const pod = injected({ values: { pilot: { cni: { enabled: true, provider: 'multus' } } } });
    expect(pod.metadata.annotations['k8s.v1.cni.cncf.io/networks']).toBe('default/istio-cni');
  });

  it('TPROXY: the proxy gets NET_ADMIN and runs as root', () => {
    const pod = injected({ meshConfig: { defaultConfig: { interceptionMode: 'TPROXY' } } });
    expect(container(pod, 'istio-proxy').securityContext).toMatchObject({ capabilities: { add: ['NET_ADMIN'] }, runAsUser: 0, runAsGroup: 1337 });
    expect(container(pod, 'istio-init').args).toContain('TPROXY');
    expect(env(pod, 'PROXY_CONFIG')).toBe('{"interceptionMode":"TPROXY"}\n');
  });

  it('imagePullPolicy, image names, pull secrets and mounted mTLS certs come from values', () => {
    const pod = injected({
      values: { global: { imagePullPolicy: 'Always', imagePullSecrets: ['regcred'], mountMtlsCerts: true, proxy: { image: 'proxyTest' } } },
    });
    expect(container(pod, 'istio-proxy')).toMatchObject({ imagePullPolicy: 'Always', image: 'registry.istio.io/testing/proxyTest:latest' });
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod.spec.volumes.find((v: JsonObject) => v.name === 'istio-certs')).toEqual({ name: 'istio-certs', secret: { optional: true, secretName: 'istio.default' } });
  });

  it('status port 0 drops the proxy probes; another port moves the drain port and the inbound exclusion', () => {
    const off = injected({ values: { global: { proxy: { statusPort: 0 } } } });
    expect(container(off, 'istio-proxy').readinessProbe).toBeUndefined();
    const moved = injected({ values: { global: { proxy: { statusPort: 123, readinessPeriodSeconds: 200 } } } });
    expect(container(moved, 'istio-proxy').readinessProbe.periodSeconds).toBe(200);
    expect(container(moved, 'istio-proxy').lifecycle.preStop.exec.command).toContain('--debug-port=123');
    expect(container(moved, 'istio-init').args).toContain('15090,15021,123');
  });

  it('proxy resources from values drop nulls and are canonical', () => {
    const pod = injected({ values: { global: { proxy: { resources: { limits: { cpu: null, memory: '512Mi' }, requests: { cpu: '0.5', memory: null } } } } } });
    expect(container(pod, 'istio-proxy').resources).toEqual({ limits: { memory: '512Mi' }, requests: { cpu: '500m' } });
  });

  it('holdApplicationUntilProxyStarts (classic): proxy first, with a postStart wait', () => {
    const pod = injected({ nativeSidecars: false, values: { global: { proxy: { holdApplicationUntilProxyStarts: true } } } });
    expect(pod.spec.containers.map((c: JsonObject) => c.name)).toEqual(['istio-proxy', 'web']);
    expect(pod.spec.containers[0].lifecycle.postStart.exec.command).toEqual(['pilot-agent', 'wait']);
  });

  it('mesh config: empty tracing is kept in PROXY_CONFIG, localhost inbound policy, OTel attributes', () => {
    expect(env(injected({ meshConfig: { defaultConfig: { tracing: {} } } }), 'PROXY_CONFIG')).toBe('{"tracing":{}}\n');
    expect(env(injected({ meshConfig: { inboundTrafficPolicy: { mode: 'LOCALHOST' } } }), 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION')).toBe('true');
    const otel = injected({ meshConfig: { extensionProviders: [{ name: 'o', opentelemetry: { serviceAttributeEnrichment: 'OTEL_SEMANTIC_CONVENTIONS' } }] } });
    expect(env(otel, 'OTEL_RESOURCE_ATTRIBUTES')).toBe('service.namespace=shop,service.version=v2,service.instance.id=shop.$(POD_NAME).web');
  });
});
