import { istioWebhookSelectors, matchingWebhooks } from '../../src/webhook/selectors';
import { matchesSelectorEmptyMatchesAll } from '../../src/kube/label-selector';

describe('matchesSelectorEmptyMatchesAll', () => {
  it('treats a missing or empty selector as matching everything', () => {
    expect(matchesSelectorEmptyMatchesAll({ a: '1' }, undefined)).toBe(true);
    expect(matchesSelectorEmptyMatchesAll(undefined, {})).toBe(true);
  });

  it('implements matchLabels and the four operators', () => {
    const labels = { env: 'prod', tier: 'web' };
    expect(matchesSelectorEmptyMatchesAll(labels, { matchLabels: { env: 'prod' } })).toBe(true);
    expect(matchesSelectorEmptyMatchesAll(labels, { matchLabels: { env: 'dev' } })).toBe(false);
    expect(matchesSelectorEmptyMatchesAll(labels, { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] })).toBe(true);
    expect(matchesSelectorEmptyMatchesAll(labels, { matchExpressions: [{ key: 'x', operator: 'In', values: ['prod'] }] })).toBe(false);
    expect(matchesSelectorEmptyMatchesAll(labels, { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] })).toBe(false);
    expect(matchesSelectorEmptyMatchesAll(labels, { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['prod'] }] })).toBe(true);
    expect(matchesSelectorEmptyMatchesAll(labels, { matchExpressions: [{ key: 'tier', operator: 'Exists' }] })).toBe(true);
    expect(matchesSelectorEmptyMatchesAll(labels, { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] })).toBe(false);
  });
});

describe("Istio's injector webhook entries", () => {
  const defaults = istioWebhookSelectors('default');
  const canary = istioWebhookSelectors('canary');

  it.each([
    // [namespace labels, pod labels, entries of the default revision that fire]
    [{ 'istio-injection': 'enabled' }, {}, ['namespace.sidecar-injector.istio.io']],
    [{ 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' }, []],
    [{ 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' }, []],
    [{ 'istio.io/rev': 'default' }, {}, ['rev.namespace.sidecar-injector.istio.io']],
    [{}, { 'sidecar.istio.io/inject': 'true' }, ['object.sidecar-injector.istio.io']],
    [{}, { 'istio.io/rev': 'default' }, ['rev.object.sidecar-injector.istio.io']],
    [{}, {}, []],
    [{ 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }, {}, ['namespace.sidecar-injector.istio.io']],
  ])('namespace %j, pod %j → %j', (nsLabels, podLabels, expected) => {
    expect(matchingWebhooks(defaults, nsLabels, podLabels)).toEqual(expected);
  });

  it('lets a revision label reach only that revision, and istio-injection=enabled beat it', () => {
    expect(matchingWebhooks(canary, { 'istio.io/rev': 'canary' }, {})).toEqual(['rev.namespace.sidecar-injector.istio.io']);
    expect(matchingWebhooks(canary, { 'istio.io/rev': 'default' }, {})).toEqual([]);
    expect(matchingWebhooks(canary, { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }, {})).toEqual([]);
    expect(canary.map((e) => e.name)).toEqual(['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io']);
  });

  it('adds the auto entry only with enableNamespacesByDefault, never for system namespaces', () => {
    const auto = istioWebhookSelectors('', { enableNamespacesByDefault: true });
    expect(matchingWebhooks(auto, { 'kubernetes.io/metadata.name': 'shop' }, {})).toEqual(['auto.sidecar-injector.istio.io']);
    expect(matchingWebhooks(auto, { 'kubernetes.io/metadata.name': 'kube-system' }, {})).toEqual([]);
  });

  it('ANDs an extra namespace requirement into every entry', () => {
    const scoped = istioWebhookSelectors('default', { extraNamespaceSelector: [{ key: 'test', operator: 'In', values: ['t1'] }] });
    expect(matchingWebhooks(scoped, { 'istio-injection': 'enabled' }, {})).toEqual([]);
    expect(matchingWebhooks(scoped, { 'istio-injection': 'enabled', test: 't1' }, {})).toEqual(['namespace.sidecar-injector.istio.io']);
  });
});
