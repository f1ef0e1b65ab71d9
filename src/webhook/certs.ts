/** Reading and judging PEM certificates: the webhook's serving cert and the caBundle the API server trusts. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { errorMessage } from '../errors';

export function splitPemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

export interface BundleHealth {
  ok: boolean;
  problems: string[];
  certificates: { subject: string; notAfter: string }[];
}

/** A caBundle is usable when it holds at least one certificate and none of them has expired. */
export function caBundleHealth(caBundleBase64: string | undefined, now = new Date()): BundleHealth {
  if (!caBundleBase64) return { ok: false, problems: ['caBundle is empty'], certificates: [] };
  let certs: X509Certificate[];
  try {
    certs = splitPemCertificates(Buffer.from(caBundleBase64, 'base64').toString('utf8'));
  } catch (error) {
    return { ok: false, problems: [`caBundle does not parse: ${errorMessage(error)}`], certificates: [] };
  }
  if (certs.length === 0) return { ok: false, problems: ['caBundle holds no PEM certificate'], certificates: [] };
  const problems: string[] = [];
  for (const cert of certs) {
    if (new Date(cert.validTo) < now) problems.push(`CA certificate "${cert.subject}" expired on ${cert.validTo}`);
    if (new Date(cert.validFrom) > now) problems.push(`CA certificate "${cert.subject}" is not valid before ${cert.validFrom}`);
  }
  return {
    ok: problems.length === 0,
    problems,
    certificates: certs.map((c) => ({ subject: c.subject.replace(/\n/g, ', '), notAfter: new Date(c.validTo).toISOString() })),
  };
}

export interface ServingCertState {
  renew: boolean;
  reason: string;
  notAfter?: string;
}

/**
 * Whether a stored serving certificate must be replaced: missing, unparsable, not matching its key, lacking a
 * wanted SAN, or with less than a third of its lifetime left (cert-manager's default renewal point).
 */
export function servingCertState(
  certPem: string | undefined,
  keyPem: string | undefined,
  wantedDnsNames: string[],
  now = new Date(),
): ServingCertState {
  if (!certPem || !keyPem) return { renew: true, reason: 'no certificate stored yet' };
  let cert: X509Certificate;
  try {
    cert = splitPemCertificates(certPem)[0];
    if (!cert) return { renew: true, reason: 'stored certificate is not PEM' };
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return { renew: true, reason: 'stored key does not match the certificate' };
  } catch (error) {
    return { renew: true, reason: `stored certificate or key does not parse: ${errorMessage(error)}` };
  }
  const notBefore = new Date(cert.validFrom).getTime();
  const notAfter = new Date(cert.validTo).getTime();
  const iso = new Date(notAfter).toISOString();
  const names = (cert.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
  const missing = wantedDnsNames.filter((n) => !names.includes(n));
  if (missing.length > 0) return { renew: true, reason: `certificate lacks SAN ${missing.join(', ')}`, notAfter: iso };
  if (notAfter <= now.getTime()) return { renew: true, reason: `certificate expired on ${iso}`, notAfter: iso };
  const remaining = notAfter - now.getTime();
  if (remaining < (notAfter - notBefore) / 3) return { renew: true, reason: `certificate expires soon (${iso})`, notAfter: iso };
  return { renew: false, reason: `certificate valid until ${iso}`, notAfter: iso };
}

/** True when `certPem` was signed by one of the CA certificates in `caPem`. */
export function issuedBy(certPem: string, caPem: string): boolean {
  const cert = splitPemCertificates(certPem)[0];
  if (!cert) return false;
  return splitPemCertificates(caPem).some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}
