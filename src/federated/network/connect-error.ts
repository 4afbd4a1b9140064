/**
 * Which failed connections a client must not retry. A refused or reset connection may be a
 * server that is restarting, and is retried with backoff; a certificate the client does not
 * trust, a certificate for another name, or a URL whose scheme does not match the server
 * (ws:// to a TLS server, wss:// to a plain one) fails the same way every time, so the client
 * stops at once with a NetworkError that says what to change: `ca`, the host name, or the scheme.
 *
 * What each mistake looks like from `ws` (Node 20, OpenSSL 3):
 * - untrusted certificate: an error whose `code` is OpenSSL's verify code, e.g.
 *   DEPTH_ZERO_SELF_SIGNED_CERT (self-signed), UNABLE_TO_VERIFY_LEAF_SIGNATURE (private CA);
 * - host name not in the certificate: ERR_TLS_CERT_ALTNAME_INVALID;
 * - expired: CERT_HAS_EXPIRED;
 * - wss:// to a plain server: EPROTO "...:wrong version number" (the answer is not TLS);
 * - ws:// to a TLS server: ECONNRESET "socket hang up" (the TLS server drops the plain request),
 *   or an HTTP 400 from a TLS proxy; indistinguishable from a glitch by itself, so the client
 *   probes the port with a TLS handshake and calls it a scheme mismatch only if that succeeds.
 * For certificate errors the client probes too, without verifying, to print the certificate's
 * names, issuer and dates next to the host it asked for.
 * - a server with mutual TLS (server.clientCa) and a client without a certificate: the TLS alert
 *   "certificate required" (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED); a client certificate the
 *   server's CA did not issue: the server closes the socket at handshake end ("socket hang up"
 *   over wss://, retried; the final hint names the client certificate).
 */
import { isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { NetworkError } from '../../errors.js';

/** OpenSSL verify codes meaning "the client does not trust this certificate". */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
]);
/** The certificate is trusted but not for the host name the client asked for. */
const WRONG_NAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
/** The certificate is outside its validity period. */
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);
/** The answer to a TLS client hello was not TLS: the server speaks plain TCP/HTTP. */
const NOT_TLS = /wrong version number|unknown protocol|packet length too long|http request/i;

/** A failed connection attempt of the client. */
export interface ConnectFailure {
  /** The error `ws` reported. */
  error: Error & { code?: string };
  /** The URL the client connected to (ws:// or wss://). */
  url: string;
  /** The client's `ca` file, when it has one. */
  caPath?: string;
}

/** What a TLS handshake without verification found at an address. */
export interface CertificateFacts {
  subject: string;
  /** subjectAltName entries, e.g. `DNS:localhost`, `IP Address:127.0.0.1`. */
  names: string[];
  issuer: string;
  selfSigned: boolean;
  validFrom: string;
  validTo: string;
}

const CA_FIX = 'give the client the server\'s certificate (the file the server has as server.tlsCert / --tls-cert) or the CA that signed it: "ca": "<file.pem>" in the client config, or --ca <file.pem>';

/** A NetworkError for a failure that retrying cannot fix, or undefined for one worth retrying. */
export async function permanentConnectError(failure: ConnectFailure, probeTimeoutMs = 3000): Promise<NetworkError | undefined> {
  const { error, url } = failure;
  const code = error.code ?? '';
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (target.protocol === 'wss:' ? 443 : 80));
  const address = `${target.protocol}//${target.host}`;
  const certificateProblem = UNTRUSTED.has(code) || WRONG_NAME.has(code) || OUT_OF_DATE.has(code) || code === 'CERT_REVOKED' || /^(CERT|CRL)_/.test(code);
  if (target.protocol === 'wss:' && certificateProblem) {
    const facts = await probeCertificate(host, port, probeTimeoutMs);
    const about = facts === undefined ? '' : `; it is ${describe(facts)}`;
    if (WRONG_NAME.has(code)) {
      const names = facts === undefined ? '(unknown: the certificate could not be read again)' : facts.names.length > 0 ? facts.names.join(', ') : `no subjectAltName, only the subject ${facts.subject}`;
      return new NetworkError(
        `the server's certificate at ${address} is not valid for '${host}' (${code}): the certificate names ${names}`,
        `connect to one of the names the certificate has (change the client's server field, or --server), or give the server a certificate whose subjectAltName includes ${isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`}`,
      );
    }
    if (OUT_OF_DATE.has(code)) {
      const when = facts === undefined ? '' : code === 'CERT_NOT_YET_VALID' ? ` (valid from ${facts.validFrom})` : ` (valid until ${facts.validTo})`;
      return new NetworkError(
        `the server's certificate at ${address} is ${code === 'CERT_NOT_YET_VALID' ? 'not valid yet' : 'expired'}${when} (${code})${about}`,
        `the server needs a current certificate (server.tlsCert / --tls-cert); if the dates look right, check this machine's clock`,
      );
    }
    if (UNTRUSTED.has(code)) {
      const what = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' ? 'a self-signed certificate' : 'a certificate signed by a CA this client does not know';
      return new NetworkError(
        `the server at ${address} presents ${what}, which this client does not trust (${code}: ${error.message})${about}`,
        failure.caPath === undefined
          ? CA_FIX
          : `the client's ca file (${failure.caPath}) does not vouch for this certificate: give as ca the server's own certificate file (its server.tlsCert) or the CA that signed it`,
      );
    }
    return new NetworkError(`the server's certificate at ${address} is refused (${code}: ${error.message})${about}`, 'the server needs a valid certificate (server.tlsCert / --tls-cert); check it with: openssl x509 -in <cert.pem> -noout -text');
  }
  if (target.protocol === 'wss:' && (/ALERT_CERTIFICATE_REQUIRED|ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN)/.test(code) || /alert (certificate required|unknown ca|bad certificate)/.test(error.message))) {
    return new NetworkError(
      `the server at ${address} requires a client certificate from its CA (mutual TLS), and refused this client's (${code || error.message})`,
      'give the client the certificate and key the server\'s operator issued: "tlsCert" and "tlsKey" in the client config, or --tls-cert and --tls-key',
    );
  }
  if (target.protocol === 'wss:' && NOT_TLS.test(error.message)) {
    return new NetworkError(
      `the server at ${address} does not speak TLS: its answer to the TLS handshake is plain data (${NOT_TLS.exec(error.message)?.[0] ?? code})`,
      `the server runs without TLS: use ws://${target.host} in the client's server field (or --server); to encrypt instead, start the server with --tls-cert and --tls-key`,
    );
  }
  if (target.protocol === 'ws:' && (code === 'ECONNRESET' || /socket hang up|Unexpected server response: 400/.test(error.message))) {
    const facts = await probeCertificate(host, port, probeTimeoutMs);
    if (facts !== undefined) {
      return new NetworkError(
        `the server at ${address} speaks TLS (wss://), but the client connected with plain ws:// (${error.message})`,
        `use wss://${target.host} in the client's server field (or --server)${facts.selfSigned ? `, and, as its certificate is self-signed, ${CA_FIX}` : ''}`,
      );
    }
  }
  return undefined;
}

/** The certificate at host:port, read with a TLS handshake that does not verify it; undefined if there is no TLS there. */
export function probeCertificate(host: string, port: number, timeoutMs: number): Promise<CertificateFacts | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...(isIP(host) === 0 ? { servername: host } : {}) });
    const done = (facts: CertificateFacts | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(facts);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    timer.unref();
    socket.once('secureConnect', () => done(factsOf(socket.getPeerCertificate())));
    socket.once('error', () => done(undefined));
  });
}

function factsOf(cert: PeerCertificate): CertificateFacts | undefined {
  if (cert === null || Object.keys(cert).length === 0) return undefined;
  const dn = (x: Record<string, string | string[] | undefined> | undefined): string =>
    x === undefined ? '?' : Object.entries(x).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(', ');
  const subject = dn(cert.subject as unknown as Record<string, string> | undefined);
  const issuer = dn(cert.issuer as unknown as Record<string, string> | undefined);
  return {
    subject,
    names: (cert.subjectaltname ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    issuer,
    selfSigned: subject === issuer,
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
  };
}

function describe(f: CertificateFacts): string {
  const names = f.names.length > 0 ? `, names ${f.names.join(', ')}` : '';
  return `${f.subject}${names}, issued by ${f.selfSigned ? 'itself (self-signed)' : f.issuer}, valid ${f.validFrom} to ${f.validTo}`;
}

/** The hint after the retries ran out: what the last error says about the address. */
export function unreachableHint(lastError: string): string {
  if (/ECONNREFUSED/.test(lastError)) return 'nothing accepts connections at that host and port: check that the server runs and that the client\'s server field (or --server) has the host and port of its "listening on" log line';
  if (/ENOTFOUND|EAI_AGAIN/.test(lastError)) return 'the host name does not resolve: check the spelling in the client\'s server field (or --server), or use the server\'s IP address';
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(lastError)) return 'the server\'s machine does not answer: check the address, and that a firewall lets the port through';
  if (/socket hang up|ECONNRESET/.test(lastError)) return 'the server closed the connection at once: if it requires client certificates (mutual TLS, server.clientCa), check that the client\'s tlsCert was issued by the server\'s client CA; else check that the server runs';
  return 'check the address, that the server runs, and the network between them';
}
