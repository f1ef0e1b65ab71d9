// mesh's injector webhook against the real istiod's, on the same AdmissionReviews: the pods that result from
// applying each one's JSON patch must be equal. istiod is the one `mesh cluster up` runs on the local cluster
// (its webhook on loopback, TLS verified with the CA it patched into its own webhook configuration).
import https from 'node:https';
import { parse } from 'yaml';
import { kubeRequest } from '../../src/kube';
import { injectorFromSettings } from '../../src/webhook/engine';
import { reviewAdmission } from '../../src/webhook/review';
import { applyPatch, jsonEqual, type JsonValue } from '../../src/json-patch';
import { normalize } from '../../src/inject/normalize';
import { generateCorpus } from '../support/workload-corpus';
import { injectorConfig, meshSettings } from '../support/real-istio';
import { istiodInstances, istioKubeConfig } from './setup/cluster';
import type { JsonObject } from '../../src/json-object';

const PODS = 400;

/** The pods the corpus' workloads would create, as a ReplicaSet-like owner hands them to the API server. */
function corpusPods(): JsonObject[] {
  const pods: JsonObject[] = [];
  for (const file of generateCorpus(7, PODS, PODS)) {
    const docs = file.text.split(/^---\n/m).map((d) => parse(d) as JsonObject);
    for (const doc of docs.flatMap((d) => (d.kind === 'List' ? d.items : [d]))) {
      const template = doc.kind === 'Pod' ? { metadata: doc.metadata, spec: doc.spec } : doc.kind === 'CronJob' ? doc.spec?.jobTemplate?.spec?.template : doc.spec?.template;
      if (!template?.spec) continue;
      const owner = doc.kind === 'Pod' ? undefined : { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${doc.metadata.name}-5d4f8c7b9`, controller: true, uid: '00000000-0000-0000-0000-000000000001' };
      // As the API server sends it: its typed serialisation (value structs such as `resources: {}` written), which
      // is also what istiod computes its patch against.
      pods.push(normalize({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...(template.metadata ?? {}),
          ...(owner ? { generateName: `${owner.name}-`, ownerReferences: [owner] } : { name: doc.metadata.name }),
          namespace: 'shop',
        },
        spec: template.spec,
      }, 'Pod') as JsonObject);
    }
  }
  return pods;
}

function review(pod: JsonObject, uid: string): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      object: pod,
    },
  });
}

function post(url: string, body: string, ca: string, agent: https.Agent): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, agent, headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`istiod answered ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('timeout', () => req.destroy(new Error('istiod did not answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function patched(pod: JsonObject, response: JsonObject): JsonObject {
  if (!response.allowed) return { refused: response.status?.message ?? 'refused' };
  if (!response.patch) return pod;
  return applyPatch(structuredClone(pod) as JsonValue, JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'))) as JsonObject;
}

describe('mesh webhook vs istiod webhook (same AdmissionReviews)', () => {
  it(`gives the same pods for ${PODS} generated workloads`, async () => {
    const istiod = istiodInstances().find((i) => i.revision === 'default')!;
    const config = await kubeRequest<JsonObject>(istioKubeConfig(), {
      method: 'GET',
      path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${istiod.injectorConfig}`,
    });
    const ca = Buffer.from(config.webhooks[0].clientConfig.caBundle, 'base64').toString('utf8');
    const mesh = injectorFromSettings(meshSettings(injectorConfig(), true));
    const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
    const pods = corpusPods();
    expect(pods.length).toBeGreaterThanOrEqual(PODS * 0.9);
    let injected = 0;
    const differences: string[] = [];
    for (let i = 0; i < pods.length; i++) {
      const body = review(pods[i], `review-${i}`);
      const theirs = await post(istiod.injectUrl, body, ca, agent);
      const ours = reviewAdmission(body, 'application/json', mesh);
      expect(ours.status).toBe(200);
      const theirPod = patched(pods[i], theirs.response);
      const ourPod = patched(pods[i], (ours.body as JsonObject).response);
      if (theirs.response.patch) injected++;
      if (!jsonEqual(theirPod, ourPod)) {
        const where = firstDifference(theirPod, ourPod);
        const kind = where.split(':')[0].replace(/\/\d+/g, '/#');
        if (!differences.some((d) => d.includes(kind)) && differences.length < 10) {
          differences.push(`${kind} — pod ${i} (${pods[i].metadata.generateName ?? pods[i].metadata.name}): ${where}`);
        }
      }
    }
    agent.destroy();
    expect(differences).toEqual([]);
    // Most generated pods are injected (the rest opt out or use host networking), so this compares injections.
    expect(injected).toBeGreaterThan(pods.length * 0.8);
  });
});

function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (jsonEqual(a, b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a as JsonObject), ...Object.keys(b as JsonObject)]);
    for (const k of keys) {
      const d = firstDifference((a as JsonObject)[k], (b as JsonObject)[k], `${at}/${k}`);
      if (d) return d;
    }
    return `${at}: differs`;
  }
  return `${at}: istiod ${JSON.stringify(a)?.slice(0, 200)} vs mesh ${JSON.stringify(b)?.slice(0, 200)}`;
}
