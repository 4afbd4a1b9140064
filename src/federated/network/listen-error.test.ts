/**
 * A FederatedServer that cannot listen rejects with a NetworkError naming the cause and the fix,
 * and does not crash the process (ws re-emits the listener's error on the WebSocketServer, where
 * an unheard 'error' event would throw). The EACCES and default branches, which a test cannot
 * provoke portably as root, are checked on the mapping itself.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { NetworkError } from '../../errors.js';
import { listenError, machineAddresses } from './listen-error.js';
import { startServer } from './testing.js';

function errno(code: string, message = code): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('FederatedServer.listen', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('rejects with NetworkError (EADDRINUSE) on a port another server holds, and the process goes on', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      await assert.rejects(startServer([], { port }), (err: unknown) => {
        assert.ok(err instanceof NetworkError, String(err));
        assert.equal(err.message, `cannot listen on 127.0.0.1:${port}: another process already holds port ${port} (EADDRINUSE)`);
        assert.match(err.hint ?? '', /--port \(0 picks a free one\)/);
        return true;
      });
      // A second failing server in the same process: no unhandled 'error' event from the first.
      await assert.rejects(startServer([], { port }), NetworkError);
    } finally {
      holder.close();
    }
  });

  it('rejects with NetworkError (EADDRNOTAVAIL) for an address that is not on this machine, listing the ones that are', async () => {
    const foreign = '203.0.113.77'; // TEST-NET-3 (RFC 5737)
    assert.ok(!machineAddresses().includes(foreign), 'precondition');

    await assert.rejects(startServer([], { host: foreign }), (err: unknown) => {
      assert.ok(err instanceof NetworkError, String(err));
      assert.equal(err.message, 'cannot listen on 203.0.113.77:0: 203.0.113.77 is not an address of this machine (EADDRNOTAVAIL)');
      assert.match(err.hint ?? '', /127\.0\.0\.1 \(this machine only\), 0\.0\.0\.0 \(every interface\) or one of this machine's addresses \(.*127\.0\.0\.1/);
      return true;
    });
  });
});

describe('listenError', () => {
  it('names the privilege for a port below 1024 (EACCES), and says permission denied for others', () => {
    const low = listenError(errno('EACCES'), { host: '0.0.0.0', port: 443 }, []);
    const high = listenError(errno('EACCES'), { host: '0.0.0.0', port: 5000 }, []);

    assert.equal(low.message, 'cannot listen on 0.0.0.0:443: permission denied; ports below 1024 need root or the CAP_NET_BIND_SERVICE capability (EACCES)');
    assert.match(low.hint ?? '', /use a port from 1024 up with server\.port or --port/);
    assert.equal(high.message, 'cannot listen on 0.0.0.0:5000: permission denied (EACCES)');
    assert.match(high.hint ?? '', /firewall or security policy/);
    assert.equal(low.exitCode, 12);
  });

  it('brackets IPv6 hosts, names a host that does not resolve, and keeps the system message for anything else', () => {
    const v6 = listenError(errno('EADDRNOTAVAIL'), { host: '2001:db8::1', port: 8765 }, ['127.0.0.1', '::1']);
    const name = listenError(errno('ENOTFOUND'), { host: 'fl.example', port: 8765 }, ['127.0.0.1']);
    const other = listenError(errno('EMFILE', 'listen EMFILE: too many open files'), { host: '127.0.0.1', port: 8765 }, []);

    assert.match(v6.message, /^cannot listen on \[2001:db8::1\]:8765: 2001:db8::1 is not an address of this machine/);
    assert.match(v6.hint ?? '', /\(127\.0\.0\.1, ::1\)$/);
    assert.equal(name.message, "cannot listen on fl.example:8765: the host name 'fl.example' does not resolve (ENOTFOUND)");
    assert.match(name.hint ?? '', /or a host name that resolves to one of them$/);
    assert.equal(other.message, 'cannot listen on 127.0.0.1:8765: listen EMFILE: too many open files');
    assert.ok([v6, name, other].every((e) => e instanceof NetworkError));
  });

  it('machineAddresses lists loopback and leaves out link-local IPv6 addresses (they need a zone)', () => {
    const all = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
    const listed = machineAddresses();

    assert.ok(listed.includes('127.0.0.1'), listed.join(', '));
    for (const a of all.filter((x) => x.family === 'IPv6' && (x.scopeid ?? 0) !== 0)) assert.ok(!listed.includes(a.address), a.address);
  });
});
