import { expectedCalls, injectorHealth, injectorsForRevision, type InjectorConfig } from '../../src/autoinject/injectors';
import { classifyProbeError } from '../../src/autoinject/probe';
import { injectorWebhookConfiguration } from '../../src/webhook/configuration';
import { makeTestPki } from '../webhook/support/tls';

const ca = Buffer.from(makeTestPki().caPem).toString('base64');
const mesh = injectorWebhookConfiguration({ target: { url: 'https://127.0.0.1:1/inject' }, caBundle: ca }) as unknown as InjectorConfig;
const canary = injectorWebhookConfiguration({ name: 'c', revision: 'canary', target: { service: { name: 'istiod-canary', namespace: 'istio-system' } } }) as unknown as InjectorConfig;
const unrelated: InjectorConfig = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'other' }, webhooks: [{ name: 'x.example.com', namespaceSelector: {}, objectSelector: {} }] };

describe('injector configurations', () => {
  it('are found per revision, ignoring unrelated webhooks', () => {
    expect(injectorsForRevision([mesh, canary, unrelated], 'default').map((c) => c.metadata.name)).toEqual(['mesh-sidecar-injector']);
    expect(injectorsForRevision([mesh, canary, unrelated], 'canary').map((c) => c.metadata.name)).toEqual(['c']);
  });

  it('are healthy with a valid caBundle and unusable without one', () => {
    expect(injectorHealth(mesh)).toMatchObject({ usable: true, managedBy: 'mesh', revision: 'default', target: 'https://127.0.0.1:1/inject', failurePolicy: 'Fail' });
    const health = injectorHealth(canary);
    expect(health.usable).toBe(false);
    expect(health.problems).toContain('rev.namespace.sidecar-injector.istio.io: caBundle is empty');
    expect(health.target).toBe('service istio-system/istiod-canary:443/inject');
  });

  it('predict which entries the API server calls', () => {
    expect(expectedCalls([mesh], { 'istio-injection': 'enabled' }, { app: 'x' })).toEqual(['mesh-sidecar-injector/namespace.sidecar-injector.istio.io']);
    expect(expectedCalls([mesh], {}, { app: 'x' })).toEqual([]);
  });
});

describe('classifyProbeError', () => {
  it.each([
    ['Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://127.0.0.1:9/inject?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority', 'tls'],
    ['Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://127.0.0.1:9/inject?timeout=10s": dial tcp 127.0.0.1:9: connect: connection refused', 'unreachable'],
    ['Internal error occurred: failed calling webhook "w": failed to call webhook: Post "https://x/inject": context deadline exceeded', 'timeout'],
    ['admission webhook "namespace.sidecar-injector.istio.io" denied the request: injection failed: boom', 'denied'],
    ['pods "x" is forbidden: exceeded quota', 'other'],
  ])('%s → %s', (message, kind) => {
    const result = classifyProbeError(message);
    expect(result.kind).toBe(kind);
    expect(result.explanation).toContain(message);
  });
});
