import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ProtocolError, RoundRefusedError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { SecAggClient } from './client.js';
import type { SharesMessage } from './messages.js';
import { SecAggServer } from './server.js';
import { createSecAggSetup } from './setup.js';

const setup = createSecAggSetup({ round: 4, clientIds: [10, 20, 30, 40, 50], vectorLength: 6, graphSeed: 3 });

async function withKeys(): Promise<{ server: SecAggServer; clients: Map<number, SecAggClient> }> {
  const server = new SecAggServer(setup);
  const clients = new Map(setup.clientIds.map((id) => [id, new SecAggClient(id, server.setupMessage())]));
  for (const c of clients.values()) server.receiveKeys(await c.advertiseKeys());
  return { server, clients };
}

test('the server closes stages in order and refuses calls out of order', async () => {
  const { server } = await withKeys();

  assert.throws(() => server.shareInboxes(), errorLike(ProtocolError, /at stage 'keys', not 'shares'/));
  const lists = server.keyLists();

  assert.deepEqual(lists.map((l) => [l.to, l.keys.map((k) => k.id)]), [[10, [20, 30, 40, 50]], [20, [10, 30, 40, 50]], [30, [10, 20, 40, 50]], [40, [10, 20, 30, 50]], [50, [10, 20, 30, 40]]]);
  assert.equal(server.stage, 'shares');
  assert.throws(() => server.keyLists(), ProtocolError);
  await assert.rejects(server.finish(), errorLike(ProtocolError, /not 'unmask'/));
});

test('stage 2 refuses a share message with missing, extra or malformed bundles', async () => {
  const { server, clients } = await withKeys();
  const lists = server.keyLists();
  const good = await clients.get(10)!.shareSecrets(lists[0]);
  const tweak = (m: Partial<SharesMessage>): SharesMessage => ({ ...good, ...m });

  assert.throws(() => server.receiveShares(tweak({ bundles: good.bundles.slice(1) })), errorLike(ProtocolError, /3 bundles, expected one for each of its 4 neighbours/));
  assert.throws(() => server.receiveShares(tweak({ bundles: [...good.bundles, good.bundles[0]] })), errorLike(ProtocolError, /two bundles for client 20/));
  assert.throws(() => server.receiveShares(tweak({ bundles: [{ peer: 10, sealed: good.bundles[0].sealed }] })), errorLike(ProtocolError, /addressed to 10, which is not one of its neighbours/));
  assert.throws(
    () => server.receiveShares(tweak({ bundles: [{ peer: 20, sealed: new Uint8Array(5) }, ...good.bundles.slice(1)] })),
    errorLike(ProtocolError, /sealed bundle from client 10 to client 20 must be 101 bytes, got 5/),
  );
  assert.throws(() => server.receiveShares(tweak({ selfMaskCommitment: new Uint8Array(3) })), errorLike(ProtocolError, /self-mask commitment of client 10 must be 32 bytes/));
  assert.throws(() => server.receiveShares(null as never), errorLike(ProtocolError, /expected a secagg\/shares message, got null/));
  server.receiveShares(good);
});

test('a client with fewer than t neighbours that advertised keys refuses the round', async () => {
  const server = new SecAggServer(setup);
  for (const id of [10, 20]) server.receiveKeys(await new SecAggClient(id, setup).advertiseKeys());

  assert.throws(() => server.keyLists(), errorLike(RoundRefusedError, /round 4 refused: client 10 has 1 neighbours that advertised keys, fewer than the threshold t = 3/));
  assert.equal(server.stage, 'refused');
});

test('the server validates its setup', () => {
  assert.throws(() => new SecAggServer({ ...setup, threshold: 9 }), errorLike(ConfigError, /secagg\.threshold: must be an integer in \[2, k = 4\], got 9/));
});
