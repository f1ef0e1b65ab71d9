// Test PKI made with openssl (an allowed tool): a CA and a serving certificate issued from mesh's own CSR.
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCsrPem } from '../../../src/webhook/csr';

export interface TestPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

function run(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

export function rsaKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function makeTestPki(options: { dnsNames?: string[]; days?: number } = {}): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-pki-'));
  try {
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca'], dir);
    const keyPem = rsaKeyPem();
    const dnsNames = options.dnsNames ?? ['localhost'];
    writeFileSync(path.join(dir, 'leaf.csr'), createCsrPem(keyPem, { subject: { commonName: dnsNames[0] }, dnsNames, ipAddresses: ['127.0.0.1'] }));
    run(
      ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', String(options.days ?? 1), '-copy_extensions', 'copy'],
      dir,
    );
    return { caPem: readFileSync(path.join(dir, 'ca.pem'), 'utf8'), certPem: readFileSync(path.join(dir, 'leaf.pem'), 'utf8'), keyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
