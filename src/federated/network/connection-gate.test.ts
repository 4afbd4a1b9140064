import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { addressGroup, ConnectionGate, type GateLimits, type GateSocket } from './connection-gate.js';

/** A socket double: records destroy()/end(), emits 'close' when destroyed. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  ended = false;
  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super();
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('close');
    }
    return this;
  }
  end(): this {
    this.ended = true;
    return this;
  }
}

const LIMITS: GateLimits = { maxPending: 4, maxPendingPerAddress: 2, handshakeSeconds: 5, maxAuthFailuresPerMinute: 3 };
let port = 1000;
const sock = (address = '10.0.0.1'): FakeSocket & GateSocket => new FakeSocket(address, port++) as FakeSocket & GateSocket;

describe('ConnectionGate', () => {
  let now = 0;
  let lines: string[] = [];
  const gate = (limits = LIMITS): ConnectionGate => new ConnectionGate(limits, (l) => lines.push(l), () => now);
  beforeEach(() => {
    now = 1_000_000;
    lines = [];
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  it('caps unauthenticated connections per address (refusing the newcomer) and overall (closing the oldest to admit the newcomer)', () => {
    const g = gate();
    const a = [sock('a'), sock('a'), sock('a')];
    const b = [sock('b'), sock('b')];
    const c = [sock('c')];

    const admitted = [...a, ...b, ...c].map((s) => g.admit(s));

    assert.deepEqual(admitted, [true, true, false, true, true, true]);
    assert.equal(a[2].destroyed, true, 'over its address cap: refused');
    assert.equal(a[0].destroyed, true, 'over the overall cap: the oldest makes room');
    assert.equal(c[0].destroyed, false);
    assert.equal(g.pendingCount, 4);
    assert.deepEqual(g.refused, { pending: 1, perAddress: 1, authFailures: 0, handshake: 0 });
    assert.ok(lines.some((l) => /from a: 2 of its connections .*maxPendingPerAddress 2/.test(l)), lines.join('\n'));
  });

  it('an authenticated connection frees its pending slot and is not closed at the handshake deadline', () => {
    const g = gate();
    const [x, y] = [sock('a'), sock('a')];
    g.admit(x);
    g.admit(y);
    g.authenticated(`${x.remoteAddress}:${x.remotePort}`);

    const third = sock('a');
    const admitted = g.admit(third);
    mock.timers.tick(5000);

    assert.equal(admitted, true);
    assert.equal(x.ended, false, 'the authenticated one stays');
    assert.equal(y.ended, true, 'the one that never said hello is ended at its deadline');
    assert.equal(g.refused.handshake, 2);
  });

  it('a closed connection frees its slot, even though a destroyed socket forgets its address', () => {
    const g = gate();
    const [x, y] = [sock('a'), sock('a')];
    g.admit(x);
    g.admit(y);
    x.destroy();

    assert.equal(g.admit(sock('a')), true);
    assert.equal(g.pendingCount, 2);
  });

  it('refuses an address for the rest of the minute after too many failed authentications', () => {
    const g = gate();
    for (let i = 0; i < 3; i++) g.authFailed('a');

    const during = g.admit(sock('a'));
    const other = g.admit(sock('b'));
    now += 61_000;
    const after = g.admit(sock('a'));

    assert.equal(during, false);
    assert.equal(other, true);
    assert.equal(after, true);
    assert.equal(g.refused.authFailures, 1);
  });

  it('a flood that fills every slot cannot keep a newcomer out: its oldest sockets are closed first', () => {
    const g = gate({ ...LIMITS, maxPendingPerAddress: 100 });
    const flood = Array.from({ length: 4 }, (_, i) => sock(`f${i}`));
    for (const s of flood) g.admit(s);
    const honest = sock('h');

    const admitted = g.admit(honest);
    g.authenticated(`${honest.remoteAddress}:${honest.remotePort}`);
    for (let i = 0; i < 10; i++) g.admit(sock(`g${i}`));

    assert.equal(admitted, true);
    assert.equal(honest.destroyed, false, 'authenticated connections are never evicted');
    assert.ok(flood.every((s) => s.destroyed));
    assert.equal(g.pendingCount, 4);
  });

  it('logs a flood of refusals as one line per 10 s with the count, not one line each', () => {
    const g = gate({ ...LIMITS, maxPending: 1 });
    g.admit(sock('a'));
    for (let i = 0; i < 500; i++) g.admit(sock(`x${i}`));
    now += 11_000;
    g.admit(sock('y'));

    assert.equal(g.refused.pending, 501);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[1], /and 499 more since the last such line/);
  });

  it('destroyAll closes every open socket, authenticated or not', () => {
    const g = gate();
    const [x, y] = [sock('a'), sock('b')];
    g.admit(x);
    g.admit(y);
    g.authenticated(`${x.remoteAddress}:${x.remotePort}`);

    g.destroyAll();

    assert.equal(x.destroyed && y.destroyed, true);
    assert.equal(g.openCount, 0);
    assert.equal(g.pendingCount, 0);
  });
});

describe('addressGroup', () => {
  it('keeps IPv4 (also IPv4-mapped) addresses whole and groups IPv6 by /64', () => {
    assert.equal(addressGroup('10.1.2.3'), '10.1.2.3');
    assert.equal(addressGroup('::ffff:10.1.2.3'), '::ffff:10.1.2.3');
    assert.equal(addressGroup('2001:db8:0:1:aaaa::1'), '2001:db8:0:1::/64');
    assert.equal(addressGroup('2001:0db8:0000:0001:ffff:1:2:3'), '2001:db8:0:1::/64');
    assert.equal(addressGroup('2001:db8::5'), '2001:db8:0:0::/64');
    assert.equal(addressGroup('::1'), '0:0:0:0::/64');
  });

  it('caps IPv6 peers per /64, not per address', () => {
    const g = new ConnectionGate(LIMITS, () => undefined);
    const admitted = ['2001:db8:0:1::1', '2001:db8:0:1::2', '2001:db8:0:1::3', '2001:db8:0:2::1'].map((a) => g.admit(sock(a)));

    assert.deepEqual(admitted, [true, true, false, true]);
  });
});
