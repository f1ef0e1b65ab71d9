// The webhook door over real HTTPS with the real injection engine: same result as the kube-inject door.
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import { injectManifests, injectionSettings } from '../../src/inject';
import { injectorFromSettings } from '../../src/webhook/engine';
import { applyPatch, type JsonValue } from '../../src/json-patch';
import { reviewAdmission } from '../../src/webhook/review';
import { startWebhookServer, type RunningWebhook } from '../../src/webhook/server';
import { makeTestPki } from './support/tls';
import type { JsonObject } from '../../src/json-object';

const pki = makeTestPki();
let server: RunningWebhook;

beforeAll(async () => {
  server = await startWebhookServer({ cert: pki.certPem, key: pki.keyPem, injector: injectorFromSettings(injectionSettings()) });
});
afterAll(() => server.close());

function post(body: string, options: { path?: string; method?: string; contentType?: string } = {}): Promise<{ status: number; body: JsonObject }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `https://127.0.0.1:${server.port}${options.path ?? '/inject'}`,
      { method: options.method ?? 'POST', ca: pki.caPem, headers: { 'Content-Type': options.contentType ?? 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, version: v1}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 80}]
        readinessProbe:
          httpGet: {path: /ready, port: 80}
`;

/** The pod the ReplicaSet controller would send for that Deployment. */
function podOf(template: JsonObject, extra: Record<string, unknown> = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-6d5f7-',
      labels: { ...template.metadata.labels, 'pod-template-hash': '6d5f7' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d5f7', uid: 'u', controller: true }],
      ...extra,
    },
    spec: structuredClone(template.spec),
  };
}

function review(pod: unknown, namespace = 'shop') {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'r1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace, object: pod },
  });
}

async function injectThroughWebhook(pod: JsonObject, namespace = 'shop'): Promise<JsonObject | undefined> {
  const reply = await post(review(pod, namespace));
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'r1', allowed: true } });
  if (!reply.body.response.patch) return undefined;
  expect(reply.body.response.patchType).toBe('JSONPatch');
  return applyPatch(pod as JsonValue, JSON.parse(Buffer.from(reply.body.response.patch, 'base64').toString())) as JsonObject;
}

describe('mesh injector webhook (real engine, loopback HTTPS)', () => {
  it('injects a Deployment pod exactly as kube-inject injects its template', async () => {
    const source = parse(deployment);
    const kubeInjected = parse(injectManifests(deployment, 'web.yaml', injectionSettings()).output.split('\n---\n')[0]);
    const webhookInjected = (await injectThroughWebhook(podOf(source.spec.template)))!;
    const template = kubeInjected.spec.template;
    expect(webhookInjected.spec).toEqual(template.spec);
    for (const [key, value] of Object.entries(template.metadata.annotations)) expect(webhookInjected.metadata.annotations[key]).toEqual(value);
    for (const [key, value] of Object.entries(template.metadata.labels)) expect(webhookInjected.metadata.labels[key]).toEqual(value);
    const proxy = [...webhookInjected.spec.initContainers, ...webhookInjected.spec.containers].find((c: JsonObject) => c.name === 'istio-proxy');
    expect(proxy.env.find((e: JsonObject) => e.name === 'ISTIO_META_OWNER').value).toBe('kubernetes://apis/apps/v1/namespaces/shop/deployments/web');
  });

  it.each([
    ['hostNetwork', (pod: JsonObject) => (pod.spec.hostNetwork = true), 'shop'],
    ['an ignored namespace', () => undefined, 'kube-system'],
    ['label sidecar.istio.io/inject=false', (pod: JsonObject) => (pod.metadata.labels['sidecar.istio.io/inject'] = 'false'), 'shop'],
    ['annotation sidecar.istio.io/inject=false', (pod: JsonObject) => (pod.metadata.annotations = { 'sidecar.istio.io/inject': 'false' }), 'shop'],
  ])('allows without injecting when the decision says no: %s', async (_name, change, namespace) => {
    const pod = podOf(parse(deployment).spec.template);
    change(pod);
    expect(await injectThroughWebhook(pod, namespace)).toBeUndefined();
  });

  it('lets the label win over the annotation (label true, annotation false → inject)', async () => {
    const pod = podOf(parse(deployment).spec.template, { annotations: { 'sidecar.istio.io/inject': 'false' } });
    pod.metadata.labels['sidecar.istio.io/inject'] = 'true';
    expect(await injectThroughWebhook(pod)).toBeDefined();
  });

  it('keeps fields the engine does not model instead of patching them away', async () => {
    const pod = podOf(parse(deployment).spec.template, { creationTimestamp: null });
    pod.spec.futureField = { enabled: true };
    const injected = (await injectThroughWebhook(pod))!;
    expect(injected.spec.futureField).toEqual({ enabled: true });
    expect(injected.metadata).toHaveProperty('creationTimestamp', null);
  });

  it('answers malformed reviews with 400 and keeps serving', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post(JSON.stringify({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request: { uid: 'x', kind: { kind: 'Pod' }, object: 7 } }))).status).toBe(400);
    expect((await post(review({}), { contentType: 'text/yaml' })).status).toBe(415);
    expect((await post('', { path: '/elsewhere' })).status).toBe(404);
    expect((await post('', { method: 'GET' })).status).toBe(405);
    expect((await post('', { path: '/healthz', method: 'GET' })).status).toBe(200);
    expect((await post(`"${'x'.repeat(9 * 1024 * 1024)}"`)).status).toBe(413);
    expect(await injectThroughWebhook(podOf(parse(deployment).spec.template))).toBeDefined();
  });
});

describe('certificate renewal', () => {
  it('serves a renewed certificate to new connections without a restart', async () => {
    const renewed = makeTestPki();
    server.updateCertificate(renewed.certPem, renewed.keyPem);
    const fingerprint = await new Promise<string>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: server.port, path: '/healthz', ca: renewed.caPem, agent: false }, (res) => {
        resolve((res.socket as TLSSocket).getPeerX509Certificate()!.fingerprint256);
        res.resume();
      });
      req.on('error', reject);
    });
    expect(fingerprint).toBe(new X509Certificate(renewed.certPem).fingerprint256);
  });
});

describe('hostile reviews', () => {
  // Every field of a valid review replaced, one at a time, by values of the wrong type: the door answers
  // (200 with allowed true/false, or 400) and never throws.
  const injector = injectorFromSettings(injectionSettings());
  const valid = JSON.parse(review(podOf(parse(deployment).spec.template)));
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    paths.push(path);
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(valid, []);
  const wrong = [null, 0, -1, 'x', '', true, [], {}, [1, 'a'], { a: { b: [] } }];

  it(`survives ${paths.length * wrong.length} single-field corruptions`, () => {
    for (const path of paths.slice(1)) {
      for (const value of wrong) {
        const copy = structuredClone(valid);
        let target = copy;
        for (const key of path.slice(0, -1)) target = target[key];
        target[path[path.length - 1]] = value;
        const reply = reviewAdmission(JSON.stringify(copy), 'application/json', injector);
        expect([200, 400]).toContain(reply.status);
      }
    }
  });
});
