import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';

/** Files of the local cluster's PKI; one CA signs everything, including kcm's CSR signer. */
export interface ClusterPki {
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export function pkiPaths(dir: string): ClusterPki {
  const f = (name: string) => path.join(dir, name);
  return {
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    apiserverCert: f('apiserver.crt'),
    apiserverKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
  };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr || errorMessage(error)}`, { cause: error });
  }
}

/** P-256 keys: generated in milliseconds, accepted by every component (SA tokens are then signed ES256). */
function generateKey(file: string, dir: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], dir);
}

function issue(dir: string, pki: ClusterPki, name: string, subject: string, extensions: string): void {
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  generateKey(`${name}.key`, dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial',
      '-days', '3650', '-sha256', '-extfile', ext, '-out', `${name}.crt`],
    dir,
  );
}

/** Creates the CA, serving, admin and service-account keys in `dir` unless they already exist. */
export function ensurePki(dir: string): ClusterPki {
  const pki = pkiPaths(dir);
  if (Object.values(pki).every((file) => existsSync(file))) return pki;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  generateKey('ca.key', dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=mesh-local-ca', '-days', '3650', '-sha256', '-out', 'ca.crt'], dir);
  issue(
    dir,
    pki,
    'apiserver',
    '/CN=kube-apiserver',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      '',
    ].join('\n'),
  );
  issue(
    dir,
    pki,
    'admin',
    '/O=system:masters/CN=mesh-admin',
    ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth', ''].join('\n'),
  );
  generateKey('sa.key', dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return pki;
}
