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

  it('writes an IPv4-mapped IPv6 address as the 4-byte IPv4 SAN, as Go\'s crypto/x509 does', () => {
    const csr = createCsrPem(ecKey, {
      subject: { commonName: 's' },
      dnsNames: [],
      ipAddresses: ['::ffff:10.0.0.1', '0:0:0:0:0:ffff:192.168.1.2', '64:ff9b::10.0.0.1', 'fe80::1:2'],
    });
    expect(openssl(csr)).toContain('IP Address:10.0.0.1, IP Address:192.168.1.2, IP Address:64:FF9B:0:0:0:0:A00:1, IP Address:FE80:0:0:0:0:0:1:2');
  });

  it('refuses an IPv6 address with a zone, as Go\'s net.ParseIP does', () => {
    expect(() => createCsrPem(ecKey, { subject: { commonName: 's' }, dnsNames: [], ipAddresses: ['fe80::1%eth0'] })).toThrow(
      'not an IP address: fe80::1%eth0',
    );
  });

  // Known answers, computed by hand from X.690 (DER) and RFC 5280; the request's other parts (key, signature)
  // vary, these extension encodings do not. Each is SEQUENCE { extnID, critical?, OCTET STRING { value } }.
  describe('known-answer DER of the requested extensions', () => {
    const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('hex');
    const hex = (...parts: string[]) => parts.join('').replace(/ /g, '');
    // keyUsage: 06 03 55 1d 0f = OID 2.5.29.15, 01 01 ff = critical TRUE, 04 04 = OCTET STRING of 4 bytes holding
    // 03 02 <unused> <bits>: a BIT STRING whose last bit set is digitalSignature (bit 0, 0x80: 7 unused bits)
    // or keyEncipherment (bit 2, 0xa0 = bits 0 and 2: 5 unused bits). DER requires the trailing zero bits of a
    // named-bit list to be dropped (X.690 §11.2.2), as Go's asn1BitLength does.
    const keyUsage = (unusedAndBits: string) => hex('30 0e', '06 03 55 1d 0f', '01 01 ff', '04 04', '03 02', unusedAndBits);

    it('digital signature alone: BIT STRING 03 02 07 80', () => {
      const csr = createCsrPem(ecKey, { subject: { commonName: 's' }, dnsNames: ['s'], keyEncipherment: false });
      expect(der(csr)).toContain(keyUsage('07 80'));
    });

    it('digital signature and key encipherment: BIT STRING 03 02 05 a0', () => {
      const csr = createCsrPem(rsaKey, { subject: { commonName: 's' }, dnsNames: ['s'] });
      expect(der(csr)).toContain(keyUsage('05 a0'));
    });

    it('subjectAltName with a DNS name, an IPv4-mapped and an IPv6 address', () => {
      const csr = createCsrPem(ecKey, { subject: { commonName: 's' }, dnsNames: ['s'], ipAddresses: ['::ffff:10.0.0.1', '::1'] });
      // 06 03 55 1d 11 = OID 2.5.29.17, not critical; OCTET STRING (29 bytes) of GeneralNames SEQUENCE (27 bytes):
      // [2] dNSName "s" = 82 01 73; [7] iPAddress 10.0.0.1 = 87 04 0a 00 00 01; [7] ::1 = 87 10 + 15 zeros + 01.
      const ipv6Loopback = '87 10' + ' 00'.repeat(15) + ' 01';
      expect(der(csr)).toContain(hex('30 24', '06 03 55 1d 11', '04 1d', '30 1b', '82 01 73', '87 04 0a 00 00 01', ipv6Loopback));
    });

    it('basic constraints (critical, no CA) and extended key usage serverAuth', () => {
      const csr = createCsrPem(ecKey, { subject: { commonName: 's' }, dnsNames: ['s'] });
      // 2.5.29.19 critical, value SEQUENCE {} (cA defaults to FALSE); 2.5.29.37, value SEQUENCE { 1.3.6.1.5.5.7.3.1 }.
      expect(der(csr)).toContain(hex('30 0c', '06 03 55 1d 13', '01 01 ff', '04 02', '30 00'));
      expect(der(csr)).toContain(hex('30 13', '06 03 55 1d 25', '04 0c', '30 0a', '06 08 2b 06 01 05 05 07 03 01'));
    });
  });

  it('rejects a bad IP SAN', () => {
    expect(() => createCsrPem(rsaKey, { subject: { commonName: 'x' }, dnsNames: [], ipAddresses: ['nope'] })).toThrow('not an IP');
  });
});
