/** End-to-end SecAgg+ rounds through the in-process driver: correctness, dropouts, privacy, bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, RoundRefusedError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike } from '../../engine/testing.js';
import { buildGraph } from './graph.js';
import { runInProcessRound, type InProcessRoundOptions } from './driver.js';
import type { MaskedInputMessage, SecAggMessage, SecAggSetup, ShareInboxMessage, UnmaskMessage } from './messages.js';
import { expandMask } from './prg.js';
import { quantizationErrorBound, quantize, subtractInPlace } from './ring.js';
import type { SecAggTraceEvent } from './server.js';
import { createSecAggSetup, type SecAggSetupOptions } from './setup.js';

/** Seeded updates in [-spread, spread), so that spread > 8 exercises clipping. */
function floatUpdates(ids: readonly number[], d: number, seed: number, spread = 1): Map<number, Float32Array> {
  const rng = createRng(seed);
  return new Map(ids.map((id) => [id, Float32Array.from({ length: d }, () => (rng.next() * 2 - 1) * spread)]));
}

function clippedSum(updates: ReadonlyMap<number, Float32Array>, ids: readonly number[], clip: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (const id of ids) {
    const v = updates.get(id)!;
    for (let i = 0; i < d; i++) out[i] += Math.max(-clip, Math.min(clip, v[i]));
  }
  return out;
}

function assertWithinBound(actual: Float64Array, expected: Float64Array, bound: number): void {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst < bound, `max abs error ${worst} ≥ bound ${bound}`);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const setupFor = (o: Partial<SecAggSetupOptions> & { n: number; d: number }): SecAggSetup =>
  createSecAggSetup({ round: 7, clientIds: range(o.n), vectorLength: o.d, graphSeed: 11, ...o });

async function honestRound(setup: SecAggSetup, updates: Map<number, Float32Array>, options: InProcessRoundOptions, survivors: number[]): Promise<void> {
  const report = await runInProcessRound(setup, updates, options);
  assert.deepEqual(report.result.included, survivors);
  assertWithinBound(report.result.sum, clippedSum(updates, survivors, setup.clipRange, setup.vectorLength), quantizationErrorBound(survivors.length, setup));
}

test('(a) n = 10, d = 1000: the decoded sum is the sum of the clipped updates within n/scale', async () => {
  const setup = setupFor({ n: 10, d: 1000 });
  const updates = floatUpdates(setup.clientIds, 1000, 1, 10); // |x| up to 10: some clipped at 8

  const report = await runInProcessRound(setup, updates);

  assert.equal(setup.neighbours, 8);
  assert.equal(setup.threshold, 5);
  assert.deepEqual(report.result.included, range(10));
  assert.deepEqual(report.result.excluded, []);
  assert.deepEqual(report.refused, []);
  const expected = clippedSum(updates, range(10), 8, 1000);
  assertWithinBound(report.result.sum, expected, quantizationErrorBound(10, setup));
  // the bound is tight enough to mean something: 10/65536 ≈ 1.5e-4 against sums of size ~10
  assert.ok(quantizationErrorBound(10, setup) < 2e-4);
  assert.ok(expected.some((v) => Math.abs(v) > 5));
});

test('(b) 30% drop after sending masked input and one before: the round gives the sum of the survivors', async () => {
  // complete graph (k = 9, t = 5): each client loses at most 4 of its 9 neighbours
  const setup = setupFor({ n: 10, d: 500, neighbours: 9 });
  const updates = floatUpdates(setup.clientIds, 500, 2);

  const report = await runInProcessRound(setup, updates, { dropBeforeInput: [2], dropBeforeUnmask: [4, 7, 9] });

  // 4, 7 and 9 sent masked inputs, so they are in the sum although they never answered the unmask request
  const survivors = [0, 1, 3, 4, 5, 6, 7, 8, 9];
  assert.deepEqual(report.result.included, survivors);
  assert.deepEqual(report.result.excluded, [2]);
  assertWithinBound(report.result.sum, clippedSum(updates, survivors, 8, 500), quantizationErrorBound(9, setup));
});

test('(b) Harary graph with default k and t: dropouts at every stage still give the survivors\' sum', async () => {
  const setup = setupFor({ n: 60, d: 300 });
  const updates = floatUpdates(setup.clientIds, 300, 3);
  const options = { dropBeforeKeys: [0], dropBeforeShares: [13], dropBeforeInput: [21, 34, 47], dropBeforeUnmask: [5, 17, 29, 41, 53] };

  const survivors = range(60).filter((i) => ![0, 13, 21, 34, 47].includes(i));
  assert.equal(setup.neighbours, 12);
  await honestRound(setup, updates, options, survivors);
});

test('(c) more dropouts than the threshold allows: the round is refused with the reason', async () => {
  const setup = setupFor({ n: 10, d: 50 });
  const updates = floatUpdates(setup.clientIds, 50, 4);

  // before input: 5 of 10 gone, so some client keeps fewer than t = 5 of its 8 neighbours
  await assert.rejects(
    runInProcessRound(setup, updates, { dropBeforeInput: [0, 1, 2, 3, 4] }),
    errorLike(RoundRefusedError, /round 7 refused: client \d+ has [0-4] neighbours left to reveal its (self-mask seed|mask key).*fewer than the threshold t = 5/),
  );
  // after input: only 4 clients answer the unmask request, too few shares of anyone's self-mask seed
  await assert.rejects(
    runInProcessRound(setup, updates, { dropBeforeUnmask: [0, 1, 2, 3, 4, 5] }),
    errorLike(RoundRefusedError, /[0-4] shares of client \d+'s self-mask seed arrived, fewer than the threshold t = 5/),
  );
  // before shares: too few neighbours shared secrets
  await assert.rejects(runInProcessRound(setup, updates, { dropBeforeShares: [0, 1, 2, 3, 4] }), errorLike(RoundRefusedError, /neighbours that shared secrets/));
});

test('(d) an instrumented server never holds a single client\'s update, nor both secrets of any client', async () => {
  const setup = setupFor({ n: 12, d: 64 });
  const floats = floatUpdates(setup.clientIds, 64, 5);
  const rng = createRng(9);
  const quantized = new Map([...floats].map(([id, v]) => [id, quantize(v, setup, () => rng.next())]));
  const received: SecAggMessage[] = [];
  const events: SecAggTraceEvent[] = [];
  const dropBeforeInput = [3, 8];

  const report = await runInProcessRound(setup, quantized, {
    dropBeforeInput,
    dropBeforeUnmask: [6],
    toServer: (m) => (received.push(m), m),
    trace: (e) => events.push(e),
  });

  const vectors: Uint32Array[] = [
    ...events.flatMap((e) => (e.kind === 'vector' ? [e.vector] : [])),
    ...received.flatMap((m) => (m.type === 'secagg/masked-input' ? [m.masked] : [])),
  ];
  assert.ok(vectors.length > 12);
  for (const [id, x] of quantized) {
    for (const v of vectors) assert.ok(v.some((w, i) => w !== x[i]), `server holds client ${id}'s update`);
  }
  // both secrets: neither reconstructed, nor revealed in t or more shares, for the same client
  const secrets = new Map<number, Set<string>>();
  for (const e of events) if (e.kind === 'secret') secrets.set(e.owner, (secrets.get(e.owner) ?? new Set()).add(e.secret));
  const shareCount = new Map<string, Set<number>>();
  for (const m of received) {
    if (m.type !== 'secagg/unmask') continue;
    for (const s of m.shares) shareCount.set(`${s.owner}/${s.secret}`, (shareCount.get(`${s.owner}/${s.secret}`) ?? new Set()).add(s.x));
  }
  for (const id of setup.clientIds) {
    assert.ok((secrets.get(id)?.size ?? 0) < 2, `server reconstructed both secrets of client ${id}`);
    const b = shareCount.get(`${id}/self-mask`)?.size ?? 0;
    const s = shareCount.get(`${id}/mask-key`)?.size ?? 0;
    assert.ok(b < setup.threshold || s < setup.threshold, `server got ${b} self-mask and ${s} mask-key shares of client ${id}`);
  }
  // it did reconstruct what it needed: b of every survivor, s_sk of every client that dropped before input
  assert.deepEqual([...secrets].filter(([, k]) => k.has('mask-key')).map(([id]) => id).sort((a, b) => a - b), dropBeforeInput);
  assert.equal([...secrets].filter(([, k]) => k.has('self-mask')).length, 10);
  // what the server learned strips only the self mask: y_i − PRG(b_i) still carries pairwise masks
  for (const e of events) {
    if (e.kind !== 'secret' || e.secret !== 'self-mask') continue;
    const y = (received.find((m) => m.type === 'secagg/masked-input' && m.from === e.owner) as MaskedInputMessage).masked.slice();
    subtractInPlace(y, await expandMask(e.value, 64));
    assert.ok(y.some((w, i) => w !== quantized.get(e.owner)![i]), `client ${e.owner} unmasked by its self-mask seed alone`);
  }
  assert.equal(report.result.included.length, 10);
});

test('(e) bad messages to the server are refused with a reason, and the honest round still completes', async () => {
  const setup = setupFor({ n: 10, d: 40 });
  const updates = floatUpdates(setup.clientIds, 40, 6);
  const seen: SecAggMessage[] = [];
  const errors: string[] = [];
  const refuse = (f: () => void, pattern: RegExp): void => {
    assert.throws(f, errorLike(ProtocolError, pattern));
    errors.push(pattern.source);
  };

  const report = await runInProcessRound(setup, updates, {
    toServer: (m) => (seen.push(m), m),
    afterStage: (stage, server) => {
      if (stage === 'keys') {
        const keys = seen.find((m) => m.type === 'secagg/keys')!;
        refuse(() => server.receiveKeys(keys as never), /duplicate secagg\/keys message from client 0/);
        refuse(() => server.receiveKeys({ ...(keys as object), round: 8 } as never), /is for round 8, but this is round 7/);
        refuse(() => server.receiveKeys({ ...(keys as object), from: 99 } as never), /client 99, which is not in round 7/);
        refuse(() => server.receiveKeys({ ...(keys as object), from: 1, maskKey: new Uint8Array(31) } as never), /duplicate|mask key of client 1 must be 32 bytes/);
      }
      if (stage === 'shares') {
        const shares = seen.find((m) => m.type === 'secagg/shares')!;
        refuse(() => server.receiveShares({ ...(shares as object), round: 6 } as never), /secagg\/shares message is for round 6/);
        refuse(() => server.receiveShares(shares as never), /duplicate secagg\/shares/);
      }
      if (stage === 'input') {
        const masked = seen.find((m) => m.type === 'secagg/masked-input') as MaskedInputMessage;
        refuse(() => server.receiveMaskedInput(masked), /duplicate secagg\/masked-input message from client 0 \(replayed\?\)/);
        refuse(() => server.receiveKeys(seen.find((m) => m.type === 'secagg/keys') as never), /arrived at stage 'input', not 'keys' \(late or replayed\)/);
      }
    },
    dropBeforeInput: [1, 2],
    toClient: (m) => m,
  });

  assert.equal(errors.length, 8);
  await honestRound(setup, updates, {}, range(10));
  assert.deepEqual(report.result.included, range(10).filter((i) => i !== 1 && i !== 2));
  assertWithinBound(report.result.sum, clippedSum(updates, report.result.included, 8, 40), quantizationErrorBound(8, setup));
});

test('(e) a masked vector of the wrong length or type is refused and that client counts as dropped', async () => {
  const setup = setupFor({ n: 10, d: 40 });
  const updates = floatUpdates(setup.clientIds, 40, 7);
  const bad = (m: SecAggMessage): SecAggMessage => {
    if (m.type !== 'secagg/masked-input') return m;
    if (m.from === 3) return { ...m, masked: m.masked.subarray(0, 39) };
    if (m.from === 5) return { ...m, masked: new Float32Array(40) as unknown as Uint32Array };
    if (m.from === 6) return { ...m, masked: Array.from(m.masked) as unknown as Uint32Array };
    return m;
  };

  const report = await runInProcessRound(setup, updates, { toServer: bad });

  const reasons = report.refused.filter((r) => r.by === 'server').map((r) => r.error.message);
  assert.deepEqual(reasons, [
    'masked input of client 3 has length 39, the round\'s vector length is 40',
    'masked input of client 5 must be a Uint32Array, got a Float32Array',
    'masked input of client 6 must be a Uint32Array, got an array of length 40',
  ]);
  const survivors = range(10).filter((i) => ![3, 5, 6].includes(i));
  assert.deepEqual(report.result.included, survivors);
  assertWithinBound(report.result.sum, clippedSum(updates, survivors, 8, 40), quantizationErrorBound(7, setup));
});

test('(e) a share bundle altered in transit, or replayed from another round, is refused by its receiver; the round goes on', async () => {
  const ids = range(10);
  const updates = floatUpdates(ids, 30, 8);
  const round1 = createSecAggSetup({ round: 1, clientIds: ids, vectorLength: 30, graphSeed: 5 });
  const round2 = createSecAggSetup({ round: 2, clientIds: ids, vectorLength: 30, graphSeed: 5 });
  let oldInbox: ShareInboxMessage | undefined;
  await runInProcessRound(round1, updates, { toClient: (m) => (m.type === 'secagg/share-inbox' && m.to === 4 && (oldInbox = m), m) });

  const report = await runInProcessRound(round2, updates, {
    toClient: (m) => {
      if (m.type !== 'secagg/share-inbox') return m;
      if (m.to === 4) return oldInbox!; // a whole inbox from round 1
      if (m.to === 5) return { ...oldInbox!, to: 5, round: 2 }; // round-1 bundles relabelled as round 2 (and for another client)
      if (m.to === 6) {
        const sealed = m.bundles[0].sealed.slice();
        sealed[20] ^= 1;
        return { ...m, bundles: [{ peer: m.bundles[0].peer, sealed }, ...m.bundles.slice(1)] };
      }
      return m;
    },
  });

  const byClient = new Map(report.refused.map((r) => [r.by, r.error]));
  assert.match(byClient.get(4)!.message, /share-inbox message is for round 1, but this is round 2/);
  assert.match(byClient.get(5)!.message, /not in client 5's key list|failed to decrypt for round 2/);
  assert.match(byClient.get(6)!.message, /share bundle from client \d+ to client 6 failed to decrypt for round 2/);
  const survivors = ids.filter((i) => ![4, 5, 6].includes(i));
  assert.deepEqual(report.result.included, survivors);
  assertWithinBound(report.result.sum, clippedSum(updates, survivors, 8, 30), quantizationErrorBound(7, round2));
});

test('(e) one corrupt revealed share is survived when more than t shares arrive; with only t the round is refused', async () => {
  const setup = setupFor({ n: 10, d: 20 });
  const updates = floatUpdates(setup.clientIds, 20, 9);
  const corrupt = (m: SecAggMessage): SecAggMessage => {
    if (m.type !== 'secagg/unmask' || m.from !== 0) return m;
    const shares = m.shares.map((s, p) => (p === 0 ? { ...s, share: s.share.map((b) => b ^ 0xff) } : s));
    return { ...m, shares } satisfies UnmaskMessage;
  };

  await honestRound(setup, updates, { toServer: corrupt, dropBeforeInput: [9] }, range(9));

  // Client 0's first share is of its lowest neighbour j. Silence 3 other neighbours of j before the
  // unmask stage: exactly t = 5 shares of b_j arrive, one of them corrupt, and it cannot be outvoted.
  const graph = buildGraph(setup.clientIds, setup.neighbours, setup.graphSeed);
  const j = graph.get(0)![0];
  const silent = graph.get(j)!.filter((i) => i !== 0).slice(0, 3);
  const tooFew = runInProcessRound(setup, updates, { toServer: corrupt, dropBeforeUnmask: silent });
  await assert.rejects(
    tooFew,
    errorLike(RoundRefusedError, new RegExp(`self-mask seed of client ${j} does not match its commitment: neighbours revealed corrupt shares \\(5 shares, threshold 5`)),
  );
});
