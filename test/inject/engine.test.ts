// Engine behaviour beyond the goldens: idempotence, kinds and apiVersions, skip warnings, the webhook
// door, the injection decision, configuration and quantities.
import { parseAllDocuments } from 'yaml';
import { decidePodInjection, injectManifests, injectionSettings, injectPod, proxyImage } from '../../src/inject';
import { canonicalQuantity } from '../../src/inject/quantity';
import { normalize } from '../../src/inject/normalize';
import { nativeSidecarsSupported } from '../../src/inject/settings';
import { loadCases, readInject, settingsFor } from './cases';
import { withoutVersionDeltas } from '../support/real-istio';
import type { JsonObject } from '../../src/json-object';

const defaults = injectionSettings();

function inject(text: string, settings = defaults) {
  return injectManifests(text, 'test.yaml', settings);
}

function docs(text: string): JsonObject[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

const deployment = (extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}${extra}
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 8080
          name: http
        readinessProbe:
          httpGet: {port: http, path: /ready}
`;

describe('idempotence: injecting an injected file gives the same file', () => {
  for (const c of loadCases().filter((x) => x.golden)) {
    it(c.id, () => {
      const settings = settingsFor(c);
      const once = inject(readInject(c.input), settings).output;
      const twice = inject(once, settings).output;
      if (c.input === 'merge-probers.yaml') {
        // Its input comes from an older injector; Go's golden keeps that injector's stale proxy env.
        // One re-injection refreshes it, after which injection is a fixed point.
        expect(inject(twice, settings).output).toBe(twice);
      } else expect(twice).toBe(once);
    });
  }
});

describe('kinds and apiVersions', () => {
  it('injects older apiVersions and keeps them', () => {
    const old = deployment().replace('apps/v1', 'extensions/v1beta1');
    const out = docs(inject(old).output)[0];
    expect(out.apiVersion).toBe('extensions/v1beta1');
    expect(out.spec.template.spec.initContainers.map((c: JsonObject) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    const cron = withoutVersionDeltas(inject(readInject('cronjob.yaml').replace('batch/v1', 'batch/v1beta1')).output);
    expect(cron).toBe(readInject('cronjob.yaml.injected').replace('batch/v1\n', 'batch/v1beta1\n').replace('apis/batch/v1/', 'apis/batch/v1beta1/'));
  });

  it('passes other kinds through as their original text, and reports workloads', () => {
    const svc = '# a comment\nkind: Service\napiVersion: v1\nmetadata: {name: web}\n';
    const result = inject(`${svc}---\n${deployment()}`);
    expect(result.output.startsWith(`${svc}---\n`)).toBe(true);
    expect(result.workloads).toEqual([
      { kind: 'Deployment', name: 'web', namespace: 'shop', injected: true, containersAdded: ['istio-init', 'istio-proxy'] },
    ]);
  });

  it('injects Lists recursively, including nested Lists', () => {
    const item = docs(deployment())[0];
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'List', items: [item] }] };
    const out = docs(inject(JSON.stringify(list)).output)[0];
    expect(out.items[0].items[0].spec.template.metadata.annotations['sidecar.istio.io/status']).toContain('istio-proxy');
  });

  it('classic layout: istio-proxy last container, istio-init last init container', () => {
    const out = docs(inject(deployment(), injectionSettings({ nativeSidecars: false })).output)[0];
    expect(out.spec.template.spec.containers.map((c: JsonObject) => c.name)).toEqual(['web', 'istio-proxy']);
    expect(out.spec.template.spec.initContainers.map((c: JsonObject) => c.name)).toEqual(['istio-init']);
  });

  it('the nativeSidecar annotation wins over the global choice', () => {
    const annotated = deployment('\n      annotations: {sidecar.istio.io/nativeSidecar: "false"}');
    const out = docs(inject(annotated).output)[0];
    expect(out.spec.template.spec.containers.map((c: JsonObject) => c.name)).toEqual(['web', 'istio-proxy']);
  });

  it('rewrites probes and records the originals with named ports resolved', () => {
    const out = docs(inject(deployment()).output)[0];
    const [web] = out.spec.template.spec.containers;
    expect(web.readinessProbe.httpGet).toEqual({ path: '/app-health/web/readyz', port: 15020 });
    const proxy = out.spec.template.spec.initContainers[1];
    const probers = proxy.env.find((e: JsonObject) => e.name === 'ISTIO_KUBE_APP_PROBERS').value;
    expect(JSON.parse(probers)).toEqual({ '/app-health/web/readyz': { httpGet: { path: '/ready', port: 8080 } } });
  });
});

describe('skipping', () => {
  it('skips hostNetwork and inject "false" with istioctl warnings, label winning over annotation', () => {
    const host = deployment().replace('    spec:\n      containers', '    spec:\n      hostNetwork: true\n      containers');
    expect(inject(host).warnings).toEqual(['===> Skipping injection because Deployment "shop/web" has host networking enabled']);
    const off = deployment('\n      annotations: {sidecar.istio.io/inject: "false"}');
    const r = inject(off);
    expect(r.warnings).toEqual(['===> Skipping injection because Deployment "shop/web" has sidecar injection disabled']);
    expect(r.workloads[0].injected).toBe(false);
    const labelWins = deployment('\n      annotations: {sidecar.istio.io/inject: "false"}').replace(
      'labels: {app: web}',
      'labels: {app: web, sidecar.istio.io/inject: "true"}',
    );
    expect(inject(labelWins).workloads[0].injected).toBe(true);
  });
});

describe('webhook door and decision', () => {
  const pod = { metadata: { name: 'p', labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'x' }] } };

  it('injectPod injects a bare pod for its owner', () => {
    const { pod: out } = injectPod(pod, { kind: 'Deployment', name: 'a', namespace: 'ns', apiVersion: 'apps/v1' }, defaults) as JsonObject;
    const proxy = out.spec.initContainers.find((c: JsonObject) => c.name === 'istio-proxy');
    expect(proxy.env.find((e: JsonObject) => e.name === 'ISTIO_META_OWNER').value).toBe('kubernetes://apis/apps/v1/namespaces/ns/deployments/a');
  });

  // The webhook computes its patch against the pod it passes in and sends injectPod's result as it is, so
  // both must hold for every pod the conformance inputs describe.
  it('injectPod leaves its input untouched and returns the pod already in typed form', () => {
    const owner = { kind: 'Deployment', name: 'a', namespace: 'ns', apiVersion: 'apps/v1' };
    let checked = 0;
    for (const c of loadCases().filter((x) => x.golden)) {
      for (const doc of docs(readInject(c.input))) {
        const template = doc?.kind === 'Pod' ? doc : doc?.spec?.template;
        if (!template?.spec?.containers) continue;
        const input = { apiVersion: 'v1', kind: 'Pod', metadata: template.metadata ?? {}, spec: template.spec };
        const before = JSON.stringify(input);
        const { pod: out } = injectPod(input, owner, settingsFor(c));
        expect(JSON.stringify(input)).toBe(before);
        expect(JSON.stringify(normalize(out, 'Pod'))).toBe(JSON.stringify(out));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('decidePodInjection follows Istio order: hostNetwork, ignored namespaces, label/annotation, selectors, policy', () => {
    const base = { ...defaults };
    expect(decidePodInjection({ ...pod, spec: { ...pod.spec, hostNetwork: true } }, 'ns', base).inject).toBe(false);
    expect(decidePodInjection(pod, 'kube-system', base).inject).toBe(false);
    expect(decidePodInjection(pod, 'ns', base).inject).toBe(true);
    expect(decidePodInjection(pod, 'ns', { ...base, policy: 'disabled' }).inject).toBe(false);
    const forced = { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, 'sidecar.istio.io/inject': 'true' } } };
    expect(decidePodInjection(forced, 'ns', { ...base, policy: 'disabled' }).inject).toBe(true);
    const never = [{ matchLabels: { app: 'a' } }];
    expect(decidePodInjection(pod, 'ns', { ...base, neverInjectSelector: never }).inject).toBe(false);
    expect(decidePodInjection(pod, 'ns', { ...base, policy: 'disabled', alwaysInjectSelector: never }).inject).toBe(true);
    // Unlike a webhook's selector, an empty never-inject selector matches no pod.
    expect(decidePodInjection(pod, 'ns', { ...base, neverInjectSelector: [{}] }).inject).toBe(true);
  });
});

describe('configuration', () => {
  it('builds the proxy image from values, deep-merging overrides', () => {
    expect(proxyImage(defaults)).toBe('registry.istio.io/testing/proxyv2:latest');
    const s = injectionSettings({ values: { global: { hub: 'docker.io/istio', tag: '1.28.0' } } });
    expect(proxyImage(s)).toBe('docker.io/istio/proxyv2:1.28.0');
    expect(s.values.global.proxy.statusPort).toBe(15020);
  });

  it('puts mesh proxyMetadata into the proxy env and CA_ADDR follows the revision', () => {
    const s = injectionSettings({ meshConfig: { defaultConfig: { proxyMetadata: { FOO: 'bar' } } }, revision: 'canary' });
    const out = docs(inject(deployment(), s).output)[0];
    const proxy = out.spec.template.spec.initContainers[1];
    expect(proxy.env.find((e: JsonObject) => e.name === 'FOO').value).toBe('bar');
    expect(out.spec.template.metadata.annotations['istio.io/rev']).toBe('canary');
    const sv = injectionSettings({ values: { revision: 'canary' } });
    const proxy2 = docs(inject(deployment(), sv).output)[0].spec.template.spec.initContainers[1];
    expect(proxy2.env.find((e: JsonObject) => e.name === 'CA_ADDR').value).toBe('istiod-canary.istio-system.svc:15012');
  });

  it('canonicalises quantities as Kubernetes does', () => {
    expect(['2000m', '1024Mi', '100m', '0.1', '1536Mi', '1000', '512Ki', '0.5Ki', '1e3', '1.5'].map((q) => canonicalQuantity(q))).toEqual([
      '2', '1Gi', '100m', '100m', '1536Mi', '1k', '512Ki', '512', '1e3', '1500m',
    ]);
    expect(canonicalQuantity('abc')).toBeUndefined();
    // Results are remembered: asking again (and asking with the number) gives the same answers.
    expect(canonicalQuantity('abc')).toBeUndefined();
    expect(canonicalQuantity('2000m')).toBe('2');
    expect(canonicalQuantity(0.1)).toBe('100m');
  });

  it('native sidecars only when every kubelet is at least 1.33; a bound pod follows its node', () => {
    expect(nativeSidecarsSupported(['v1.33.0', 'v1.34.1-eks-1'])).toBe(true);
    expect(nativeSidecarsSupported(['v1.33.0', 'v1.28.3'])).toBe(false);
    expect(nativeSidecarsSupported(['garbage'])).toBe(false);
    expect(nativeSidecarsSupported([])).toBe(true); // Istio's loop over no nodes finds none too old
    const settings = injectionSettings({ nativeSidecars: false, nodeKubeletVersions: { new: 'v1.34.0', old: 'v1.30.0' } });
    const bound = (node: string) => readInject('pod.yaml').replace('spec:\n', `spec:\n  nodeName: ${node}\n`);
    const layout = (node: string) => docs(inject(bound(node), settings).output)[0].spec.initContainers.map((c: JsonObject) => c.name);
    expect(layout('new')).toEqual(['istio-init', 'istio-proxy']);
    expect(layout('old')).toEqual(['istio-init']);
    expect(layout('unknown')).toEqual(['istio-init']);
  });
});

describe('typed normalisation (Go structs before marshalling)', () => {
  it('drops unknown fields and omitempty zero values, writes required zero values and value structs', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  creationTimestamp: null
  madeUp: field
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: false
      tolerations: [{key: k, operator: "", effect: NoSchedule}]
      securityContext: {runAsNonRoot: false, supplementalGroups: []}
      containers:
      - name: web
        image: nginx
        bogus: 1
        env:
        - name: MEM
          valueFrom: {resourceFieldRef: {resource: limits.memory}}
        resources: {limits: {cpu: 1500m, memory: 2048Mi}}
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: data, readOnly: false}
`;
    const out = docs(inject(text, injectionSettings({ nativeSidecars: false })).output)[0];
    expect(out.metadata).toEqual({ name: 'web' });
    expect(out.spec.strategy).toEqual({});
    expect(out.status).toEqual({});
    const spec = out.spec.template.spec;
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.tolerations).toEqual([{ key: 'k', effect: 'NoSchedule' }]);
    expect(spec.securityContext).toEqual({ runAsNonRoot: false });
    const [web] = spec.containers;
    expect(web.bogus).toBeUndefined();
    expect(web.env[0].valueFrom.resourceFieldRef).toEqual({ resource: 'limits.memory', divisor: '0' });
    expect(web.resources).toEqual({ limits: { cpu: '1500m', memory: '2Gi' } });
    expect(spec.volumes.at(-1)).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data' } });
  });
});

describe("typed normalisation follows Kubernetes' own types (k8s-schema.json, generated from k8s.io/api)", () => {
  const withVolume = (volume: string) =>
    deployment().replace('      containers:\n', `      volumes:\n      - ${volume}\n      containers:\n`);

  it('drops fields a volume source does not have and zero values of its omitempty fields', () => {
    const out = docs(inject(withVolume('{name: ceph, rbd: {monitors: [m], image: i, imageformat: "2", imagefeatures: layering}}')).output)[0];
    const volume = (pod: JsonObject, name: string) => pod.spec.template.spec.volumes.find((v: JsonObject) => v.name === name);
    expect(volume(out, 'ceph')).toEqual({ name: 'ceph', rbd: { monitors: ['m'], image: 'i' } });
    const gluster = docs(inject(withVolume('{name: g, glusterfs: {endpoints: e, path: p, readOnly: false}}')).output)[0];
    expect(volume(gluster, 'g')).toEqual({ name: 'g', glusterfs: { endpoints: 'e', path: 'p' } });
  });

  it('writes selector: null for a DaemonSet without one, as apps/v1 has no omitempty there', () => {
    const ds = deployment().replace('kind: Deployment', 'kind: DaemonSet').replace('apps/v1', 'extensions/v1beta1').replace('  selector:\n    matchLabels: {app: web}\n', '');
    expect(inject(ds).output).toContain('spec:\n  selector: null\n');
  });

  it('refuses a wrongly typed field of a volume source', () => {
    expect(() => inject(withVolume('{name: disk, fc: {targetWWNs: [w], lun: "0"}}'))).toThrow(
      'spec.template.spec.volumes[0].fc.lun: expected an integer, got string "0"',
    );
  });
});

describe('typed normalisation errors name the full path of the bad value', () => {
  const dep = (containers: unknown, labels: unknown = { app: 'a' }, volumes?: unknown) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'w', labels },
    spec: { template: { spec: { containers, volumes } } },
  });
  it.each([
    ['spec.template.spec.containers[1].ports[1].containerPort: expected an integer, got string "x"', dep([{ name: 'a' }, { name: 'b', ports: [{ containerPort: 80 }, { containerPort: 'x' }] }])],
    ['metadata.labels.app: expected a string, got number 5', dep([{ name: 'a' }], { app: 5 })],
    ['spec.template.spec.containers[0].resources.limits.cpu: invalid quantity "lots"', dep([{ name: 'a', resources: { limits: { cpu: 'lots' } } }])],
    ['spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: expected a string, got number 3', dep([{ name: 'a', env: [{ name: 'E', valueFrom: { fieldRef: { fieldPath: 3 } } }] }])],
    ['spec.template.spec.containers: expected a list, got string "nope"', dep('nope')],
    ['spec.template.spec.volumes[0].secret.items[0].path: expected a string, got number 1', dep([{ name: 'a' }], {}, [{ name: 'v', secret: { items: [{ key: 'k', path: 1 }] } }])],
  ])('%s', (message, value) => {
    expect(() => normalize(value, 'Deployment')).toThrow(message);
  });
});

describe('templates: every template of the pinned chart is built in', () => {
  const withTemplates = (t: string) => deployment(`\n      annotations: {inject.istio.io/templates: "${t}"}`);
  const containers = (t: string) => {
    const pod = docs(inject(withTemplates(t)).output)[0].spec.template.spec;
    return [...(pod.initContainers ?? []), ...pod.containers].map((c: JsonObject) => c.name);
  };

  it('renders sidecar, gateway, grpc-agent, grpc-simple and their combinations', () => {
    expect(containers('sidecar')).toEqual(['istio-init', 'istio-proxy', 'web']);
    expect(containers('grpc-agent')).toEqual(['web', 'istio-proxy']);
    expect(containers('grpc-simple')).toEqual(['grpc-bootstrap-init', 'web']);
    expect(containers('sidecar,grpc-simple')).toEqual(['istio-init', 'istio-proxy', 'grpc-bootstrap-init', 'web']);
    const gateway = docs(inject(withTemplates('gateway')).output)[0].spec.template.spec.containers;
    expect(gateway.find((c: JsonObject) => c.name === 'istio-proxy').args.slice(0, 2)).toEqual(['proxy', 'router']);
  });

  it('refuses a template the chart does not have, naming the ones it has', () => {
    expect(() => inject(withTemplates('sidecar,bogus'))).toThrow(
      'test.yaml:1: Deployment "web": requested template "bogus" not found; have agentgateway, agentgateway-waypoint, gateway, grpc-agent, grpc-simple, kube-gateway, sidecar, waypoint',
    );
  });
});

describe('raw pass-through as Kubernetes YAMLReader yields it', () => {
  it('ends every document with a newline and turns CRLF into LF', () => {
    expect(inject('kind: ConfigMap\r\nmetadata: {name: a}\r\n---\r\nkind: Secret').output).toBe(
      'kind: ConfigMap\nmetadata: {name: a}\n---\nkind: Secret\n---\n',
    );
  });

  it('keeps a separator that opens a document it does not re-encode, blank documents and comment-only ones', () => {
    const svc = 'kind: Service\nmetadata: {name: a}\n';
    expect(inject(`--- # the first\r\n${svc}---\n---\n# only a comment\n---\n\n---\n`).output).toBe(
      `--- # the first\n${svc}---\n---\n# only a comment\n---\n\n---\n`,
    );
    expect(inject('---\n---\n').output).toBe('---\n---\n');
  });

  it('re-encodes a workload without the separator that opened it', () => {
    const out = inject(`---\n${deployment()}---\n---\n${deployment()}`).output;
    expect(out.startsWith('apiVersion: apps/v1\n')).toBe(true);
    expect(out.split(/^---\n/m)).toHaveLength(3);
  });
});
