// Hostile AdmissionReviews to mesh's injector webhook over loopback HTTPS, with the real engine: 200 (allowed,
// or refused with a message) or a 4xx, never a 5xx or a dropped connection, and the server keeps serving.
// Seeded: the same generator as `npm run bench reliability`, which sends 10,000.
import https from 'node:https';
import { test } from '@fast-check/jest';
import { injectionSettings } from '../../src/inject';
import { injectorFromSettings } from '../../src/webhook/engine';
import { reviewAdmission } from '../../src/webhook/review';
import { startWebhookServer, type RunningWebhook } from '../../src/webhook/server';
import { makeTestPki } from '../webhook/support/tls';
import { FUZZ_SEED } from './support/commands';
import { badAnswer, hostileReview, sendReview, typicalReview } from './support/reviews';
import type { JsonObject } from '../../src/json-object';

jest.setTimeout(120_000);

let server: RunningWebhook;
let agent: https.Agent;
const statuses: number[] = [];

beforeAll(async () => {
  const pki = makeTestPki();
  server = await startWebhookServer({
    cert: pki.certPem,
    key: pki.keyPem,
    injector: injectorFromSettings(injectionSettings()),
    onRequest: ({ status }) => statuses.push(status),
  });
  agent = new https.Agent({ keepAlive: true, ca: pki.caPem, maxSockets: 4 });
});
afterAll(async () => {
  agent?.destroy();
  await server?.close();
});

test.prop([hostileReview], { seed: FUZZ_SEED, numRuns: 200 })('answers 200 or a 4xx with a message, never a 5xx', async (request) => {
  const answer = await sendReview(server.port, agent, request);
  expect(badAnswer(request, answer)).toBeUndefined();
});

it('still injects a real pod afterwards', async () => {
  expect(statuses.filter((s) => s >= 500)).toEqual([]);
  const request = { body: JSON.stringify(typicalReview('after-fuzz')), contentType: 'application/json', method: 'POST', path: '/inject' };
  const answer = await sendReview(server.port, agent, request);
  expect(badAnswer(request, answer)).toBeUndefined();
  expect(JSON.parse(answer.body).response).toMatchObject({ uid: 'after-fuzz', allowed: true, patchType: 'JSONPatch' });
});

// Minimal cases of what the fuzzing found.
describe('reviews the fuzzing broke', () => {
  const injector = injectorFromSettings(injectionSettings());
  const answer = (change: (pod: JsonObject) => void) => {
    const review = typicalReview();
    change(review.request.object);
    const body = JSON.stringify(review);
    const reply = reviewAdmission(body, 'application/json', injector);
    return { reply, problem: badAnswer({ body, contentType: 'application/json', method: 'POST', path: '/inject' }, { status: reply.status, body: JSON.stringify(reply.body) }) };
  };

  it('creates /metadata in the patch for a pod sent without it (the patch used to fail on /metadata/labels)', () => {
    const { reply, problem } = answer((pod) => delete pod.metadata);
    expect(problem).toBeUndefined();
    expect((reply.body as { response: { patchType: string } }).response.patchType).toBe('JSONPatch');
  });

  it.each([
    ['labels that are not a map', (pod: JsonObject) => (pod.metadata.labels = 'x'), 'metadata.labels is not a map'],
    ['ownerReferences that are not a list', (pod: JsonObject) => (pod.metadata.ownerReferences = { kind: 'ReplicaSet' }), 'metadata.ownerReferences is not a list of owner references'],
    ['an owner whose name is not a string', (pod: JsonObject) => (pod.metadata.ownerReferences[0].name = 7), 'metadata.ownerReferences is not a list of owner references'],
    ['a namespace that is not a string', (pod: JsonObject) => (pod.metadata.namespace = ['shop']), 'metadata.namespace is not a string'],
  ])('answers %s with a 400 that names it (it used to refuse the pod with a TypeError)', (_label, change, message) => {
    const { reply, problem } = answer(change);
    expect(problem).toBeUndefined();
    expect(reply).toMatchObject({ status: 400, body: { message: `AdmissionReview request.object.${message}` } });
  });
});
