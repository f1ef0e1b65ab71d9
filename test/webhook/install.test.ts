import { EKS_APP_SERVING, KUBELET_SERVING, csrSubject, serviceDnsNames } from '../../src/webhook/install';

describe('CSR subject per signer', () => {
  it('meets kubelet-serving validation: O=system:nodes, CN prefixed system:node:', () => {
    expect(csrSubject(KUBELET_SERVING, 'mesh-sidecar-injector', 'istio-system')).toEqual({
      organization: 'system:nodes',
      commonName: 'system:node:mesh-sidecar-injector.istio-system.svc',
    });
  });

  it('uses the service host name for EKS app-serving and other signers', () => {
    expect(csrSubject(EKS_APP_SERVING, 'svc', 'ns')).toEqual({ commonName: 'svc.ns.svc' });
  });

  it('names the service the way the API server dials it', () => {
    expect(serviceDnsNames('svc', 'ns')).toEqual(['svc', 'svc.ns', 'svc.ns.svc']);
  });
});
