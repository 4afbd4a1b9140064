/**
 * Certificates made at test time with `openssl` (never checked in): a self-signed server
 * certificate for 127.0.0.1/localhost (as the TLS tests make it), and client CAs with client
 * certificates for mutual TLS. Not part of the package's API.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether `openssl` is on PATH (the tests that need it are skipped otherwise). */
export const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A self-signed server certificate (CN localhost, SAN IP:127.0.0.1 and DNS:localhost) in `dir`: its PEM paths. */
export function serverCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'server-cert.pem');
  const key = join(dir, 'server-key.pem');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1', '-keyout', key, '-out', cert]);
  return { cert, key };
}

/** A CA named `name` in `dir`: its certificate and key files. */
export function certificateAuthority(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}-ca.pem`);
  const key = join(dir, `${name}-ca-key.pem`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-days', '1', '-keyout', key, '-out', cert]);
  return { cert, key };
}

/** A client certificate with subject CN `cn`, issued by `ca`, in `dir`: its certificate and key files. */
export function clientCertificate(dir: string, ca: { cert: string; key: string }, cn: string, tag = cn): { cert: string; key: string } {
  const key = join(dir, `${tag}-key.pem`);
  const csr = join(dir, `${tag}.csr`);
  const cert = join(dir, `${tag}-cert.pem`);
  const ext = join(dir, `${tag}.ext`);
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', key, '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', cert]);
  return { cert, key };
}
