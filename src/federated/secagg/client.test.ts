import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, RoundRefusedError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { SecAggClient, SEALED_BUNDLE_BYTES } from './client.js';
import type { KeyListMessage, UnmaskRequestMessage } from './messages.js';
import { SecAggServer } from './server.js';
import { createSecAggSetup } from './setup.js';

/** Five clients (complete graph, k = 4, t = 3) driven up to the unmask stage. */
async function atUnmask(): Promise<{ clients: SecAggClient[]; requests: UnmaskRequestMessage[]; lists: KeyListMessage[] }> {
  const setup = createSecAggSetup({ round: 2, clientIds: [0, 1, 2, 3, 4], vectorLength: 8, graphSeed: 1 });
  const server = new SecAggServer(setup);
  const clients = setup.clientIds.map((id) => new SecAggClient(id, server.setupMessage()));
  for (const c of clients) server.receiveKeys(await c.advertiseKeys());
  const lists = server.keyLists();
  for (const l of lists) server.receiveShares(await clients[l.to].shareSecrets(l));
  for (const inbox of server.shareInboxes()) server.receiveMaskedInput(await clients[inbox.to].maskInput(inbox, new Float32Array(8).fill(0.5)));
  return { clients, requests: server.unmaskRequests(), lists };
}

test('a client walks the four stages and refuses them out of order', async () => {
  const setup = createSecAggSetup({ round: 2, clientIds: [0, 1, 2, 3, 4], vectorLength: 8, graphSeed: 1 });
  const client = new SecAggClient(3, setup);

  await assert.rejects(client.maskInput({ type: 'secagg/share-inbox', round: 2, to: 3, bundles: [] }, new Uint32Array(8)), errorLike(ProtocolError, /client 3 is at stage 'keys', not 'input'/));
  const keys = await client.advertiseKeys();

  assert.equal(client.stage, 'shares');
  assert.equal(keys.encryptionKey.length, 32);
  assert.notDeepEqual(keys.encryptionKey, keys.maskKey);
  await assert.rejects(client.advertiseKeys(), errorLike(ProtocolError, /at stage 'shares', not 'keys'/));
  assert.throws(() => new SecAggClient(9, setup), errorLike(ProtocolError, /client 9 is not in round 2/));
});

test('stage 2 seals one fixed-size bundle per neighbour and refuses a bad key list without changing stage', async () => {
  const { lists } = await atUnmask();
  const setup = createSecAggSetup({ round: 2, clientIds: [0, 1, 2, 3, 4], vectorLength: 8, graphSeed: 1 });
  const client = new SecAggClient(0, setup);
  await client.advertiseKeys();
  const list = { ...lists[0] };

  await assert.rejects(client.shareSecrets({ ...list, to: 1 }), errorLike(ProtocolError, /addressed to client 1 delivered to client 0/));
  await assert.rejects(client.shareSecrets({ ...list, keys: list.keys.slice(0, 2) }), errorLike(RoundRefusedError, /only 2 neighbours advertised keys, fewer than the threshold t = 3/));
  await assert.rejects(client.shareSecrets({ ...list, keys: [list.keys[0], list.keys[0], list.keys[1]] }), errorLike(ProtocolError, /names client 1 twice/));
  await assert.rejects(client.shareSecrets({ ...list, keys: [...list.keys.slice(1), { ...list.keys[0], id: 0 }] }), errorLike(ProtocolError, /client 0, which is not a neighbour/));
  assert.equal(client.stage, 'shares');
  const shares = await client.shareSecrets(list);

  assert.deepEqual(shares.bundles.map((b) => b.peer), [1, 2, 3, 4]);
  assert.ok(shares.bundles.every((b) => b.sealed.length === SEALED_BUNDLE_BYTES));
  assert.equal(client.stage, 'input');
});

test('stage 4 reveals one share per neighbour, of the kind asked for', async () => {
  const { clients, requests } = await atUnmask();
  const req = { ...requests[0], dropped: [2], survivors: [1, 3, 4] };

  const out = clients[0].unmask(req);

  assert.deepEqual(out.shares.map((s) => [s.owner, s.secret]), [[2, 'mask-key'], [1, 'self-mask'], [3, 'self-mask'], [4, 'self-mask']]);
  assert.ok(out.shares.every((s) => s.share.length === 32 && s.x >= 1 && s.x <= 4));
});

test('a client never reveals both secrets of a neighbour: not in one request, not in two', async () => {
  const { clients, requests } = await atUnmask();
  const req = requests[1];

  assert.throws(
    () => clients[1].unmask({ ...req, dropped: [2], survivors: [0, 2, 3] }),
    errorLike(ProtocolError, /names client 2 as both dropped and surviving; refusing to reveal both/),
  );
  assert.equal(clients[1].stage, 'unmask', 'a refused request changes nothing');
  clients[1].unmask({ ...req, dropped: [], survivors: [0, 2, 3, 4] });
  assert.throws(() => clients[1].unmask({ ...req, dropped: [2], survivors: [0, 3, 4] }), errorLike(ProtocolError, /already revealed its shares for round 2; refusing a second unmask request/));
});

test('stage 4 refuses unknown neighbours and too few survivors', async () => {
  const { clients, requests } = await atUnmask();
  const req = requests[2];

  assert.throws(() => clients[2].unmask({ ...req, survivors: [0, 1, 9] }), errorLike(ProtocolError, /names client 9, whose shares client 2 does not hold/));
  assert.throws(() => clients[2].unmask({ ...req, dropped: [0, 1], survivors: [3, 4] }), errorLike(RoundRefusedError, /only 2 of its neighbours survived, fewer than the threshold t = 3/));
  assert.throws(() => clients[2].unmask({ ...req, round: 3 }), errorLike(ProtocolError, /is for round 3, but this is round 2/));
});
