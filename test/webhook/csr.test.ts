import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createCsrPem } from '../../src/webhook/csr';

const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

// openssl is the independent judge of the DER we produce.
function openssl(csr: string): string {
  const result = spawnSync('openssl', ['req', '-verify', '-noout', '-text'], { input: csr, encoding: 'utf8' });
  expect(result.stderr + result.stdout).toContain('verify OK');
  return result.stdout;
}

describe('createCsrPem', () => {
  it('builds a self-signed PKCS#10 request for the kubelet-serving signer', () => {
    const text = openssl(
      createCsrPem(rsaKey, {
        subject: { organization: 'system:nodes', commonName: 'system:node:mesh-sidecar-injector.istio-system.svc' },
        dnsNames: ['mesh-sidecar-injector', 'mesh-sidecar-injector.istio-system', 'mesh-sidecar-injector.istio-system.svc'],
        ipAddresses: ['127.0.0.1', '::1'],
      }),
    );
    expect(text).toContain('Subject: O = system:nodes, CN = system:node:mesh-sidecar-injector.istio-system.svc');
    expect(text).toContain(
      'DNS:mesh-sidecar-injector, DNS:mesh-sidecar-injector.istio-system, DNS:mesh-sidecar-injector.istio-system.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(text).toContain('CA:FALSE');
    expect(text).toContain('Digital Signature, Key Encipherment');
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toContain('sha256WithRSAEncryption');
  });

  it('signs with ECDSA keys and can leave out key encipherment', () => {
    const text = openssl(createCsrPem(ecKey, { subject: { commonName: 'svc.ns.svc' }, dnsNames: ['svc.ns.svc'], keyEncipherment: false }));
    expect(text).toContain('Subject: CN = svc.ns.svc');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).not.toContain('Key Encipherment');
  });

  it('rejects a bad IP SAN', () => {
    expect(() => createCsrPem(rsaKey, { subject: { commonName: 'x' }, dnsNames: [], ipAddresses: ['nope'] })).toThrow('not an IP');
  });
});
