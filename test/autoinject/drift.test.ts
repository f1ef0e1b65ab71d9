// Drift fingerprints: what the injector added, compared per workload; what the API server adds per pod is not drift.
import { sidecarIdentity, workloadDrift } from '../../src/autoinject/drift';

function injectedPod(options: { image?: string; tokenVolume?: string; proxyArgs?: string[]; revision?: string } = {}) {
  const token = options.tokenVolume ?? 'kube-api-access-abcde';
  return {
    metadata: {
      name: 'web-1',
      annotations: {
        'sidecar.istio.io/status': JSON.stringify({ initContainers: ['istio-init'], containers: ['istio-proxy'], volumes: ['istio-envoy'], revision: options.revision ?? 'default' }),
      },
    },
    spec: {
      initContainers: [{ name: 'istio-init', image: options.image ?? 'docker.io/istio/proxyv2:1.31.0', volumeMounts: [{ name: token, mountPath: '/var/run/secrets' }] }],
      containers: [
        { name: 'web', image: 'nginx', volumeMounts: [{ name: token, mountPath: '/var/run/secrets' }] },
        { name: 'istio-proxy', image: options.image ?? 'docker.io/istio/proxyv2:1.31.0', args: options.proxyArgs ?? ['proxy', 'sidecar'], volumeMounts: [{ name: 'istio-envoy', mountPath: '/etc/istio/proxy' }, { name: token, mountPath: '/var/run/secrets' }] },
      ],
      volumes: [{ name: 'istio-envoy', emptyDir: {} }, { name: token, projected: {} }],
    },
  };
}

const web = { kind: 'Deployment', name: 'web' };

describe('sidecar drift', () => {
  it('ignores the per-pod token mount the ServiceAccount admission adds', () => {
    expect(sidecarIdentity(injectedPod({ tokenVolume: 'kube-api-access-abcde' }))).toEqual(sidecarIdentity(injectedPod({ tokenVolume: 'kube-api-access-zz9yx' })));
  });

  it('has no identity for a pod without istio-proxy', () => {
    expect(sidecarIdentity({ spec: { containers: [{ name: 'web', image: 'nginx' }] } })).toBeUndefined();
  });

  it('reports a current workload as matching', () => {
    const drift = workloadDrift(web, [injectedPod(), injectedPod({ tokenVolume: 'kube-api-access-qqqqq' })] as never[], injectedPod());
    expect(drift).toMatchObject({ pods: 2, drifted: 0, reason: 'matches the injector' });
  });

  it('names the old and the new proxy image', () => {
    const drift = workloadDrift(web, [injectedPod()] as never[], injectedPod({ image: 'docker.io/istio/proxyv2:1.30.0', revision: 'canary' }));
    expect(drift).toMatchObject({ drifted: 1, reason: 'runs docker.io/istio/proxyv2:1.31.0; the injector now gives docker.io/istio/proxyv2:1.30.0' });
    expect(drift!.expected.revision).toBe('canary');
  });

  it('sees a template change with the same image (e.g. new proxy args from a values change)', () => {
    const drift = workloadDrift(web, [injectedPod()] as never[], injectedPod({ proxyArgs: ['proxy', 'sidecar', '--concurrency', '4'] }));
    expect(drift!.drifted).toBe(1);
    expect(drift!.reason).toMatch(/^same image, but the injected template differs \(fingerprint [0-9a-f]{12} → [0-9a-f]{12}\)$/);
  });

  it('says nothing when the injector would not inject (or no pod has a sidecar)', () => {
    expect(workloadDrift(web, [injectedPod()] as never[], { spec: { containers: [{ name: 'web' }] } })).toBeUndefined();
  });
});
