import { reviewAdmission, type PodInjector, type PodJson } from '../../src/webhook/review';
import { applyPatch, jsonEqual, type JsonValue } from '../../src/json-patch';

// A stand-in engine for the door's own rules (the real engine is exercised in webhook-engine.test.ts).
const calls: { namespace: string; owner?: unknown }[] = [];
const injector: PodInjector = {
  decide: (pod, namespace) => {
    calls.push({ namespace });
    return pod.metadata?.labels?.skip ? { inject: false, reason: 'skip label' } : { inject: true, reason: 'policy enabled' };
  },
  inject: (pod, owner) => {
    calls.push({ namespace: pod.metadata?.namespace ?? '', owner });
    if (pod.metadata?.labels?.explode) throw new Error('template failed');
    const spec = pod.spec as { containers: unknown[] };
    return { pod: { ...pod, spec: { ...spec, containers: [...spec.containers, { name: 'istio-proxy' }] } }, warnings: ['w1'] };
  },
};

const pod: PodJson = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'web-abc-',
    labels: { 'pod-template-hash': 'abc' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', controller: true }],
    managedFields: [{ manager: 'kube-controller-manager' }],
  },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
};

function review(object: unknown, extra: Record<string, unknown> = {}, apiVersion = 'admission.k8s.io/v1') {
  return JSON.stringify({
    apiVersion,
    kind: 'AdmissionReview',
    request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'shop', object, ...extra },
  });
}

const JSON_TYPE = 'application/json';

beforeEach(() => (calls.length = 0));

describe('reviewAdmission', () => {
  it('answers with a JSONPatch that turns the pod into the injected pod', () => {
    const reply = reviewAdmission(review(pod), JSON_TYPE, injector);
    expect(reply.status).toBe(200);
    const body = reply.body as { apiVersion: string; kind: string; response: Record<string, unknown> };
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response).toMatchObject({ uid: 'u-1', allowed: true, patchType: 'JSONPatch', warnings: ['w1'] });
    const patch = JSON.parse(Buffer.from(body.response.patch as string, 'base64').toString());
    const patched = applyPatch(pod as JsonValue, patch) as PodJson;
    expect((patched.spec as { containers: { name: string }[] }).containers.map((c) => c.name)).toEqual(['app', 'istio-proxy']);
    // The API server keeps its own managedFields; the patch never touches them.
    expect(jsonEqual(patched.metadata?.managedFields, pod.metadata?.managedFields)).toBe(true);
  });

  it('fills the namespace from the request and derives the workload from the owner', () => {
    reviewAdmission(review(pod), JSON_TYPE, injector);
    expect(calls).toEqual([
      { namespace: 'shop' },
      { namespace: 'shop', owner: { kind: 'Deployment', name: 'web', namespace: 'shop', apiVersion: 'apps/v1' } },
    ]);
  });

  it('echoes the request apiVersion (v1beta1 too)', () => {
    const reply = reviewAdmission(review(pod, {}, 'admission.k8s.io/v1beta1'), JSON_TYPE, injector);
    expect((reply.body as { apiVersion: string }).apiVersion).toBe('admission.k8s.io/v1beta1');
  });

  it('allows without a patch when the engine declines', () => {
    const skipped = { ...pod, metadata: { ...pod.metadata, labels: { skip: 'yes' } } };
    const reply = reviewAdmission(review(skipped), JSON_TYPE, injector);
    expect((reply.body as { response: unknown }).response).toEqual({ uid: 'u-1', allowed: true });
  });

  it('allows other kinds and operations untouched, without calling the engine', () => {
    const update = reviewAdmission(review(pod, { operation: 'UPDATE' }), JSON_TYPE, injector);
    const svc = reviewAdmission(review({}, { kind: { group: '', version: 'v1', kind: 'Service' } }), JSON_TYPE, injector);
    for (const reply of [update, svc]) expect((reply.body as { response: unknown }).response).toEqual({ uid: 'u-1', allowed: true });
    expect(calls).toEqual([]);
  });

  it('refuses the pod with the engine error, as istiod does, instead of failing the request', () => {
    const bad = { ...pod, metadata: { ...pod.metadata, labels: { explode: '1' } } };
    const reply = reviewAdmission(review(bad), JSON_TYPE, injector);
    expect(reply.status).toBe(200);
    expect((reply.body as { response: unknown }).response).toEqual({
      uid: 'u-1',
      allowed: false,
      status: { code: 500, message: 'injection failed: template failed' },
    });
  });

  it.each([
    ['empty body', ''],
    ['not JSON', '{"apiVersion":'],
    ['not an object', '[1,2]'],
    ['wrong kind', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' })],
    ['unknown apiVersion', JSON.stringify({ apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request: { uid: 'x' } })],
    ['no request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })],
    ['no uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} })],
    ['pod object missing', review(null)],
    ['pod object a string', review('pod')],
    ['pod without spec', review({ metadata: {} })],
    ['pod metadata not an object', review({ metadata: 'x', spec: {} })],
  ])('rejects a malformed review (%s) with 400', (_name, body) => {
    const reply = reviewAdmission(body, JSON_TYPE, injector);
    expect(reply.status).toBe(400);
    expect((reply.body as { message: string }).message).toEqual(expect.any(String));
  });

  it('rejects a body that is not JSON by Content-Type with 415', () => {
    expect(reviewAdmission(review(pod), 'text/plain', injector).status).toBe(415);
    expect(reviewAdmission(review(pod), undefined, injector).status).toBe(415);
  });
});
