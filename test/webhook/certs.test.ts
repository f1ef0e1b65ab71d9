import { caBundleHealth, issuedBy, servingCertState } from '../../src/webhook/certs';
import { makeTestPki, rsaKeyPem } from './support/tls';

const pki = makeTestPki({ dnsNames: ['svc', 'svc.ns', 'svc.ns.svc'] });
const b64 = (text: string) => Buffer.from(text).toString('base64');
const DAY = 24 * 3600 * 1000;

describe('caBundleHealth', () => {
  it('accepts a bundle of valid certificates', () => {
    const health = caBundleHealth(b64(pki.caPem + pki.caPem));
    expect(health.ok).toBe(true);
    expect(health.certificates).toHaveLength(2);
    expect(health.certificates[0].subject).toBe('CN=test-ca');
  });

  it.each([
    ['missing', undefined, 'caBundle is empty'],
    ['not PEM', b64('hello'), 'holds no PEM certificate'],
    ['garbage PEM', b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), 'does not parse'],
  ])('reports a %s bundle', (_name, bundle, problem) => {
    const health = caBundleHealth(bundle);
    expect(health.ok).toBe(false);
    expect(health.problems.join()).toContain(problem);
  });

  it('reports an expired CA', () => {
    const health = caBundleHealth(b64(pki.caPem), new Date(Date.now() + 10 * DAY));
    expect(health.ok).toBe(false);
    expect(health.problems[0]).toMatch(/CA certificate "CN=test-ca" expired on/);
  });
});

describe('servingCertState', () => {
  const wanted = ['svc', 'svc.ns', 'svc.ns.svc'];

  it('keeps a fresh matching certificate', () => {
    expect(servingCertState(pki.certPem, pki.keyPem, wanted)).toMatchObject({ renew: false, reason: expect.stringMatching(/^certificate valid until/) });
  });

  it.each([
    ['nothing stored', undefined, pki.keyPem, 'no certificate stored yet'],
    ['a foreign key', pki.certPem, rsaKeyPem(), 'key does not match'],
    ['junk', 'junk', pki.keyPem, 'not PEM'],
  ])('renews when %s', (_name, cert, key, reason) => {
    expect(servingCertState(cert, key, wanted)).toMatchObject({ renew: true, reason: expect.stringContaining(reason) });
  });

  it('renews when a wanted SAN is missing', () => {
    expect(servingCertState(pki.certPem, pki.keyPem, [...wanted, 'other.ns.svc']).reason).toBe('certificate lacks SAN other.ns.svc');
  });

  it('renews in the last third of the lifetime and after expiry', () => {
    expect(servingCertState(pki.certPem, pki.keyPem, wanted, new Date(Date.now() + 0.8 * DAY)).reason).toMatch(/expires soon/);
    expect(servingCertState(pki.certPem, pki.keyPem, wanted, new Date(Date.now() + 2 * DAY)).reason).toMatch(/expired on/);
  });
});

describe('issuedBy', () => {
  it('checks the signature against the CA bundle', () => {
    expect(issuedBy(pki.certPem, pki.caPem)).toBe(true);
    expect(issuedBy(pki.certPem, makeTestPki().caPem)).toBe(false);
  });
});
