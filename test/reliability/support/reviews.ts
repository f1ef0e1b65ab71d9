// Hostile AdmissionReviews for mesh's injector webhook: wrong types in any field, byte flips of the JSON,
// deep nesting, huge values, odd content types. Shared by the jest share (test/reliability/webhook.test.ts)
// and the 10,000 of `npm run bench reliability`, same seed.
import https from 'node:https';
import fc from 'fast-check';
import { applyPatch, type JsonValue } from '../../../src/json-patch';
import type { JsonObject } from '../../../src/json-object';

/** What the ReplicaSet controller sends for a small Deployment, API-server defaults included. */
export function typicalReview(uid = 'fuzz-1'): JsonObject {
  const pod = { group: '', version: 'v1' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid, kind: { ...pod, kind: 'Pod' }, resource: { ...pod, resource: 'pods' }, operation: 'CREATE', namespace: 'shop',
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'web-6d5f7c9b8-',
          namespace: 'shop',
          labels: { app: 'web', version: 'v1', 'pod-template-hash': '6d5f7c9b8' },
          annotations: { 'prometheus.io/scrape': 'true', 'sidecar.istio.io/proxyCPU': '100m' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d5f7c9b8', uid: 'u1', controller: true, blockOwnerDeletion: true }],
          managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:metadata': {} } }],
        },
        spec: {
          volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }], defaultMode: 420 } }],
          initContainers: [{ name: 'migrate', image: 'web-migrate:1', command: ['/migrate'] }],
          containers: [
            {
              name: 'web',
              image: 'registry.example.com/web:1.2',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [{ name: 'MODE', value: 'production' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
              readinessProbe: { httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
              livenessProbe: { tcpSocket: { port: 8080 } },
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              volumeMounts: [{ name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
              securityContext: { runAsUser: 1000, capabilities: { drop: ['ALL'] } },
            },
          ],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'default',
          securityContext: { fsGroup: 2000 },
          tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
          priority: 0,
        },
        status: {},
      },
    },
  };
}

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

const PATHS = pathsOf(typicalReview()).slice(1);

const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

const WRONG: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, 0, -1, 1.5, 1e308, -0, '', 'x', 'CREATE', 'Pod', true, false, [], {}, [1, 'a'], [null], { a: { b: [] } }, { kind: 'Pod' }),
  fc.constantFrom<unknown>({ name: {} }, [{ name: 7 }], { 'sidecar.istio.io/inject': 7 }, { '': '' }, [{ op: 'remove', path: '/' }]),
  fc.integer({ min: 1, max: 120 }).map((depth) => JSON.parse(deepArray(depth)) as unknown),
  fc.constantFrom(1_000, 100_000, 1_000_000).map((size) => 'x'.repeat(size)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** One to four fields anywhere in a real review replaced by values of the wrong type. */
const wrongTypes = fc.array(fc.tuple(fc.nat({ max: PATHS.length - 1 }), WRONG), { minLength: 1, maxLength: 4 }).map((edits) => {
  const review = typicalReview();
  for (const [index, value] of edits) {
    const path = PATHS[index]!;
    let target: JsonObject = review;
    for (const key of path.slice(0, -1)) target = target?.[key];
    if (target !== null && typeof target === 'object') target[path.at(-1)!] = structuredClone(value);
  }
  return JSON.stringify(review);
});

/** The JSON text of a real review with characters replaced, inserted or deleted. */
const byteFlips = fc
  .array(fc.tuple(fc.nat({ max: 2 }), fc.nat(), fc.oneof(fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u0000', 'null', '1e999', '\u2028', '\ud800'), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }))), { minLength: 1, maxLength: 6 })
  .map((edits) =>
    edits.reduce((text, [op, at, ch]) => {
      const p = at % (text.length + 1);
      return op === 0 ? text.slice(0, p) + ch + text.slice(p + 1) : op === 1 ? text.slice(0, p) + ch + text.slice(p) : text.slice(0, p) + text.slice(p + 1);
    }, JSON.stringify(typicalReview())),
  );

/** Shapes a field-by-field corruption rarely reaches: deep nesting, huge lists, prototype keys, duplicate keys. */
const extremes = fc.constantFrom('deep-object', 'deep-array', 'many-containers', 'proto', 'duplicate-keys', 'big-annotation', 'huge-body', 'empty-object').map((shape) => {
  const review = typicalReview();
  const pod = review.request.object;
  switch (shape) {
    case 'deep-object':
      return JSON.stringify(review).replace('"status":{}', `"status":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`);
    case 'deep-array':
      return JSON.stringify(review).replace('"priority":0', `"priority":${deepArray(500_000)}`);
    case 'many-containers':
      pod.spec.containers = Array.from({ length: 2_000 }, (_, i) => ({ name: `c${i}`, image: 'i', ports: [{ containerPort: 8000 + i }] }));
      return JSON.stringify(review);
    case 'proto':
      return JSON.stringify(review).replace('"labels":{', '"labels":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"x":1}},');
    case 'duplicate-keys':
      return JSON.stringify(review).replace('"uid":"fuzz-1"', '"uid":"fuzz-1","uid":{"a":1}');
    case 'big-annotation':
      pod.metadata.annotations['proxy.istio.io/config'] = `concurrency: ${'9'.repeat(300_000)}`;
      return JSON.stringify(review);
    case 'huge-body':
      return JSON.stringify(review).replace('"status":{}', `"status":{"pad":"${'x'.repeat(9 * 1024 * 1024)}"}`);
    default:
      return '{}';
  }
});

export interface ReviewRequest {
  body: string;
  contentType: string;
  method: string;
  path: string;
}

/** The generator behind the 10,000 (benchmark) and the jest share: a body and how it is sent. */
export const hostileReview: fc.Arbitrary<ReviewRequest> = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: wrongTypes }, { weight: 4, arbitrary: byteFlips }, { weight: 1, arbitrary: extremes }),
    fc.oneof(
      { weight: 12, arbitrary: fc.constant({ contentType: 'application/json', method: 'POST', path: '/inject' }) },
      {
        weight: 1,
        arbitrary: fc.record({
          contentType: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/yaml', '', 'application/jsonp'),
          method: fc.constantFrom('POST', 'PUT', 'GET', 'DELETE'),
          path: fc.constantFrom('/inject', '/inject/cluster/x/net/y', '/inject?timeout=10s', '/', '/injectx', '/healthz'),
        }),
      },
    ),
  )
  .map(([body, how]) => ({ body, ...how }));

// What a JavaScript TypeError says: an error the engine did not mean to raise.
const LOOKS_LIKE_A_CRASH = /is not a function|Cannot (read|use|set|convert)|of undefined|of null|is not iterable/;

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Sends one request to the webhook at `port` over loopback HTTPS. */
export function sendReview(port: number, agent: https.Agent, request: ReviewRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(request.body) };
    if (request.contentType) headers['Content-Type'] = request.contentType;
    const req = https.request({ host: '127.0.0.1', port, path: request.path, method: request.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.end(request.body);
  });
}

/**
 * Undefined when the webhook answered as promised: 200 with an AdmissionReview response for the request's uid
 * (allowed, or refused with a message; a patch that applies to the pod sent), or a 4xx with a message.
 */
export function badAnswer(request: ReviewRequest, answer: HttpAnswer): string | undefined {
  if (answer.status >= 500 || answer.status < 200) return `status ${answer.status}: ${answer.body.slice(0, 300)}`;
  let body: JsonObject;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `answer is not JSON: ${answer.body.slice(0, 300)}`;
  }
  if (answer.status >= 400) return typeof body?.message === 'string' && body.message !== '' ? undefined : `${answer.status} without a message`;
  if (answer.status !== 200) return `status ${answer.status}`;
  if (request.path === '/healthz') return undefined;
  const response = body?.response;
  if (body?.kind !== 'AdmissionReview' || typeof response !== 'object' || response === null) return `200 without an AdmissionReview response: ${answer.body.slice(0, 300)}`;
  // As the server read it: lone surrogates do not survive UTF-8 on the wire.
  const sent = JSON.parse(Buffer.from(request.body, 'utf8').toString('utf8')) as JsonObject;
  if (response.uid !== sent.request.uid) return `response uid ${JSON.stringify(response.uid)} is not the request's`;
  if (typeof response.allowed !== 'boolean') return 'response without allowed';
  if (!response.allowed && !(typeof response.status?.message === 'string' && response.status.message !== '')) return 'refused without a message';
  if (!response.allowed && LOOKS_LIKE_A_CRASH.test(response.status.message)) return `refused with an internal error: ${response.status.message.slice(0, 200)}`;
  if (response.patch !== undefined) {
    try {
      const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as unknown;
      applyPatch(sent.request.object as JsonValue, patch as never);
    } catch (error) {
      // This checker's patch application is recursive: a pod nested deeper than its stack cannot be checked.
      if (/call stack/i.test((error as Error).message)) return undefined;
      return `patch does not apply to the pod sent: ${(error as Error).message}`;
    }
  }
  return undefined;
}
