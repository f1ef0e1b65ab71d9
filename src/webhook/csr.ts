/**
 * A minimal PKCS#10 (RFC 2986) certificate signing request encoder. Node can generate keys and sign but has
 * no CSR builder; the request is small enough to spell out in DER rather than shell out to openssl.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const octets = (content: Buffer) => tlv(0x04, content);
const bitString = (content: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
const NULL = Buffer.from([0x05, 0x00]);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128);
      if (v < 128) break;
    }
    groups.forEach((g, i) => bytes.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return tlv(0x06, Buffer.from(bytes));
}

const OID = {
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
};

export interface CsrSubject {
  organization?: string;
  commonName: string;
}

export interface CsrOptions {
  subject: CsrSubject;
  dnsNames: string[];
  ipAddresses?: string[];
  /** `key encipherment` only makes sense for RSA keys; EKS's app-serving signer allows it either way. */
  keyEncipherment?: boolean;
}

function extension(id: string, value: Buffer, critical: boolean): Buffer {
  return sequence(oid(id), ...(critical ? [TRUE] : []), octets(value));
}

// Encoded as Go's crypto/x509 does (net.ParseIP, then `To4()` in marshalSANs): an IPv4 address, including an
// IPv4-mapped IPv6 one (`::ffff:10.0.0.1`), as its 4 bytes; any other IPv6 address as 16 bytes. A zone
// (`fe80::1%eth0`) is refused, as ParseIP refuses it.
export function isSanIpAddress(ip: string): boolean {
  return isIP(ip) === 4 || (isIP(ip) === 6 && !ip.includes('%'));
}

function ipBytes(ip: string): Buffer {
  if (!isSanIpAddress(ip)) throw new Error(`not an IP address: ${ip}`);
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const bytes = Buffer.alloc(16);
  ipv6Groups(ip).forEach((group, i) => bytes.writeUInt16BE(group, 2 * i));
  const v4Mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return v4Mapped ? bytes.subarray(12) : bytes;
}

/** The eight 16-bit groups of a valid IPv6 address, with `::` expanded and a dotted IPv4 tail as two groups. */
function ipv6Groups(ip: string): number[] {
  const hexGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = ip.split('::');
  if (tail === undefined) return hexGroups(head);
  const before = hexGroups(head);
  const after = hexGroups(tail);
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/** Builds and signs the request; returns it PEM-encoded, as `spec.request` wants (base64 of the PEM). */
export function createCsrPem(privateKeyPem: string, options: CsrOptions): string {
  const key: KeyObject = createPrivateKey(privateKeyPem);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const rdn = (id: string, value: string) => set(sequence(oid(id), utf8(value)));
  const subject = sequence(
    ...(options.subject.organization ? [rdn(OID.organization, options.subject.organization)] : []),
    rdn(OID.commonName, options.subject.commonName),
  );
  // digitalSignature is bit 0, keyEncipherment bit 2 (RFC 5280 §4.2.1.3), most significant bit first. DER
  // drops trailing zero bits of a named-bit list (X.690 §11.2.2), so the unused-bit count is 7 or 5.
  const usage = options.keyEncipherment === false ? { bits: 0x80, unused: 7 } : { bits: 0xa0, unused: 5 };
  const altNames = [
    ...options.dnsNames.map((name) => tlv(0x82, Buffer.from(name, 'ascii'))),
    ...(options.ipAddresses ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const extensions = sequence(
    extension(OID.basicConstraints, sequence(), true),
    extension(OID.keyUsage, bitString(Buffer.from([usage.bits]), usage.unused), true),
    extension(OID.extKeyUsage, sequence(oid(OID.serverAuth)), false),
    extension(OID.subjectAltName, sequence(...altNames), false),
  );
  const attributes = tlv(0xa0, sequence(oid(OID.extensionRequest), set(extensions)));
  const info = sequence(Buffer.from([0x02, 0x01, 0x00]), subject, spki, attributes);
  const isRsa = key.asymmetricKeyType === 'rsa';
  if (!isRsa && key.asymmetricKeyType !== 'ec') throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
  const algorithm = isRsa ? sequence(oid(OID.sha256WithRSA), NULL) : sequence(oid(OID.ecdsaWithSHA256));
  const signature = sign('sha256', info, key);
  const der = sequence(info, algorithm, bitString(signature));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}
