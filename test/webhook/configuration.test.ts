import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { injectorWebhookConfiguration } from '../../src/webhook/configuration';

describe('injectorWebhookConfiguration', () => {
  it('is what infra/webhook/mutatingwebhook.yaml ships', () => {
    const shipped = parse(readFileSync(path.join(__dirname, '../../infra/webhook/mutatingwebhook.yaml'), 'utf8'));
    const generated = injectorWebhookConfiguration({ target: { service: { name: 'mesh-sidecar-injector', namespace: 'istio-system' } } });
    expect(shipped).toEqual(JSON.parse(JSON.stringify(generated)));
  });

  it('has the shape Istio and the API server require', () => {
    const config = injectorWebhookConfiguration({ target: { url: 'https://127.0.0.1:8443/inject' }, caBundle: 'Q0E=', failurePolicy: 'Ignore', revision: 'canary' }) as {
      metadata: { labels: Record<string, string> };
      webhooks: Record<string, unknown>[];
    };
    expect(config.metadata.labels['istio.io/rev']).toBe('canary');
    expect(config.webhooks.map((w) => w.name)).toEqual(['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io']);
    for (const webhook of config.webhooks) {
      expect(webhook).toMatchObject({
        clientConfig: { url: 'https://127.0.0.1:8443/inject', caBundle: 'Q0E=' },
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        admissionReviewVersions: ['v1'],
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      });
    }
  });
});
