/**
 * Why a server could not listen, as a NetworkError that names the cause and the fix: a port
 * another process holds, an address that is not this machine's, a host name that does not
 * resolve, or a port below 1024 without the privilege to bind it.
 */
import { networkInterfaces } from 'node:os';
import { NetworkError } from '../../errors.js';

/** Where the server was asked to listen, in the words of its config and command line. */
export interface ListenTarget {
  host: string;
  port: number;
}

/** The IPv4 and IPv6 addresses of this machine's interfaces (loopback included), for the hint. */
export function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    // Link-local IPv6 addresses need a zone (fe80::1%eth0) to be listened on: not worth suggesting.
    .filter((a) => !(a.family === 'IPv6' && a.scopeid !== undefined && a.scopeid !== 0))
    .map((a) => a.address)
    .filter((a, i, all) => all.indexOf(a) === i);
}

const HOST_FIX = 'set server.host (or --host) to 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine\'s addresses';

/** The NetworkError for an `error` event of `server.listen` at `target`. */
export function listenError(err: NodeJS.ErrnoException, target: ListenTarget, addresses: readonly string[] = machineAddresses()): NetworkError {
  const where = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  const known = addresses.length === 0 ? '' : ` (${addresses.join(', ')})`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new NetworkError(
        `cannot listen on ${where}: another process already holds port ${target.port} (EADDRINUSE)`,
        'pick another port with server.port in the config or --port (0 picks a free one), or stop the process that holds it (e.g. a server of an earlier run: ss -ltnp shows which)',
      );
    case 'EADDRNOTAVAIL':
      return new NetworkError(`cannot listen on ${where}: ${target.host} is not an address of this machine (EADDRNOTAVAIL)`, `${HOST_FIX}${known}`);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_AGAIN':
      return new NetworkError(
        `cannot listen on ${where}: the host name '${target.host}' does not resolve (${err.code})`,
        `${HOST_FIX}${known}, or a host name that resolves to one of them`,
      );
    case 'EACCES':
    case 'EPERM':
      return target.port > 0 && target.port < 1024
        ? new NetworkError(
            `cannot listen on ${where}: permission denied; ports below 1024 need root or the CAP_NET_BIND_SERVICE capability (${err.code})`,
            'use a port from 1024 up with server.port or --port (e.g. 8765, or 0 for a free one), and put a reverse proxy or a port forward in front if clients must reach a low port',
          )
        : new NetworkError(`cannot listen on ${where}: permission denied (${err.code})`, 'check that this user may bind that address and port (a firewall or security policy may forbid it), or pick another with --host/--port');
    default:
      return new NetworkError(`cannot listen on ${where}: ${err.message}`, 'check server.host and server.port (--host, --port)');
  }
}
