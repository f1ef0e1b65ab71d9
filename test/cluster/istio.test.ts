import { injectorConfigName, istiodCommand, istiodDeploymentEnv, localIstioObjects, objectPath, validatorConfigName } from '../../src/cluster/istio';
import type { JsonObject } from '../../src/json-object';

// The shape `istioctl manifest generate` renders (trimmed): what the local cluster applies and how it rewires it.
const manifest = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: virtualservices.networking.istio.io}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data: {config: "policy: enabled"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: istiod, namespace: istio-system}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: istio-sidecar-injector, labels: {app: sidecar-injector, istio.io/rev: default}}
webhooks:
- name: rev.namespace.sidecar-injector.istio.io
  clientConfig: {service: {name: istiod, namespace: istio-system, path: /inject, port: 443}}
- name: object.sidecar-injector.istio.io
  clientConfig: {service: {name: istiod, namespace: istio-system, path: "/inject/cluster/Kubernetes/net/network1", port: 443}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: istio-validator-istio-system, labels: {app: istiod}}
webhooks:
- name: rev.validation.istio.io
  clientConfig: {service: {name: istiod, namespace: istio-system, path: /validate}}
---
`;

describe('real Istio on the local cluster: what is applied', () => {
  const objects = localIstioObjects(manifest, 'https://127.0.0.1:4443');

  it('leaves out istiod\'s own workloads (it runs as a local process)', () => {
    expect(objects.map((o) => o.kind)).toEqual(['CustomResourceDefinition', 'ConfigMap', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
  });

  it('points every webhook at istiod on loopback by URL, keeping the Service path, and leaves caBundle to istiod', () => {
    const injector = objects.find((o) => o.kind === 'MutatingWebhookConfiguration')!;
    expect(injector.webhooks.map((w: JsonObject) => w.clientConfig)).toEqual([
      { url: 'https://127.0.0.1:4443/inject' },
      { url: 'https://127.0.0.1:4443/inject/cluster/Kubernetes/net/network1' },
    ]);
    expect(objects.find((o) => o.kind === 'ValidatingWebhookConfiguration')!.webhooks[0].clientConfig).toEqual({ url: 'https://127.0.0.1:4443/validate' });
    expect(injectorConfigName(objects)).toBe('istio-sidecar-injector');
    expect(validatorConfigName(objects)).toBe('istio-validator-istio-system');
  });

  it('adds istiod-default-validator for the default revision, as istioctl install does: the revision validator matches only objects labelled istio.io/rev', () => {
    const labelled = manifest.replace('metadata: {name: istio-validator-istio-system, labels: {app: istiod}}', 'metadata: {name: istio-validator-istio-system, labels: {app: istiod, istio.io/rev: default}}');
    const added = localIstioObjects(labelled, 'https://127.0.0.1:4443').find((o) => o.metadata.name === 'istiod-default-validator')!;
    expect(added.metadata.labels).toMatchObject({ 'istio.io/rev': 'default' });
    expect(added.webhooks).toEqual([expect.objectContaining({
      name: 'validation.istio.io', clientConfig: { url: 'https://127.0.0.1:4443/validate' }, failurePolicy: 'Ignore',
      rules: [expect.objectContaining({ apiGroups: expect.arrayContaining(['networking.istio.io']), operations: ['CREATE', 'UPDATE'] })],
    })]);
    expect(added.webhooks[0].objectSelector).toBeUndefined();
    // A canary revision's manifest (its validator labelled with its own revision) gets none.
    expect(localIstioObjects(labelled.replace('istio.io/rev: default}}\nwebhooks:\n- name: rev.validation', 'istio.io/rev: canary}}\nwebhooks:\n- name: rev.validation'), 'https://127.0.0.1:4443').some((o) => o.metadata.name === 'istiod-default-validator')).toBe(false);
  });

  it('knows the REST path of each kind, and names a kind it cannot apply', () => {
    expect(objects.map(objectPath)).toEqual([
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/virtualservices.networking.istio.io',
      '/api/v1/namespaces/istio-system/configmaps/istio-sidecar-injector',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istio-validator-istio-system',
    ]);
    expect(() => objectPath({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toThrow(
      'the Istio manifest has a Widget (w), which mesh cluster up does not know how to apply',
    );
  });

  it('runs istiod on loopback ports with its revision\'s webhook names and an IP SAN for 127.0.0.1', () => {
    const ports = { webhook: 1, http: 2, grpc: 3, secureGrpc: 4, monitoring: 5, ctrlz: 6 };
    const canary = istiodCommand({ kubeconfig: '/k', revision: 'canary', ports, injectorConfig: 'istio-sidecar-injector-canary' });
    expect(canary.args).toEqual(expect.arrayContaining(['discovery', '--kubeconfig=/k', '--httpsAddr=127.0.0.1:1', '--httpAddr=127.0.0.1:2', '--ctrlz_port=6']));
    expect(canary.env).toMatchObject({
      REVISION: 'canary',
      POD_NAMESPACE: 'istio-system',
      INJECTION_WEBHOOK_CONFIG_NAME: 'istio-sidecar-injector-canary',
      ISTIOD_CUSTOM_HOST: 'localhost,127.0.0.1',
    });
  });

  it('runs istiod with its Deployment\'s environment (the chart\'s pilot.env), except the pod\'s KUBECONFIG and field refs', () => {
    const rendered = `${manifest}apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod-classic, namespace: istio-system, labels: {app: istiod, istio.io/rev: classic}}
spec:
  template:
    spec:
      containers:
      - name: discovery
        env:
        - {name: REVISION, value: classic}
        - {name: KUBECONFIG, value: /var/run/secrets/remote/config}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - {name: PLATFORM, value: ""}
        - {name: ENABLE_NATIVE_SIDECARS, value: "false"}
`;
    const deploymentEnv = istiodDeploymentEnv(rendered);
    expect(deploymentEnv).toEqual({ REVISION: 'classic', PLATFORM: '', ENABLE_NATIVE_SIDECARS: 'false' });
    const ports = { webhook: 1, http: 2, grpc: 3, secureGrpc: 4, monitoring: 5, ctrlz: 6 };
    const { env } = istiodCommand({ kubeconfig: '/k', revision: 'classic', ports, injectorConfig: 'istio-sidecar-injector-classic', deploymentEnv });
    expect(env).toMatchObject({ ENABLE_NATIVE_SIDECARS: 'false', POD_NAME: 'istiod-classic-local', REVISION: 'classic' });
    expect(env).not.toHaveProperty('KUBECONFIG');
  });

  it('refuses a manifest that does not parse', () => {
    expect(() => localIstioObjects('kind: [unclosed', 'https://127.0.0.1:1')).toThrow(/the Istio manifest does not parse/);
  });
});
