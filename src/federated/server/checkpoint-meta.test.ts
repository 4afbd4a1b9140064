/**
 * checkCheckpointMeta: a consistent header passes as it is; each field that disagrees with its
 * shape, the payload or the history is refused with a CheckpointError naming it (among them the
 * issue's flip of `round` 3 to 7).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointError } from '../../errors.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { checkCheckpointMeta, type CheckpointMeta } from './checkpoint-meta.js';
import { paramsChecksum, type RoundRecord } from './coordinator.js';

const PARAMS = randomValues(6, 1);
const EXPECTED = { path: 'runs/x/checkpoint.jly', checksum: paramsChecksum };

function vectors(): Record<string, Float32Array> {
  return { params: PARAMS, 'strategy/m': randomValues(6, 2), 'strategy/v': randomValues(6, 3), 'pool/control/c0': randomValues(6, 4) };
}

function record(round: number, checksum: string): RoundRecord {
  return {
    round,
    sampled: ['c0', 'c1'],
    replied: ['c0'],
    failures: [{ clientId: 'c1', reason: `timeout in round ${round}` }],
    trainLoss: round === 1 ? Number.NaN : 0.25,
    aggregate: { clients: 1 },
    evaluation: { loss: 0.5, accuracy: 0.75 },
    ...(round === 2
      ? { federatedEvaluation: { loss: 0.4, accuracy: 0.8, numExamples: 12.5, clients: [{ clientId: 'c0', numExamples: 12, loss: 0.4, accuracy: 0.8 }] } }
      : { refused: 'too few replies' }),
    clientMetrics: { c0: { loss: 0.25, numExamples: 12 } },
    bytesSent: 960,
    bytesReceived: 480,
    seconds: 0.01,
    paramsChecksum: checksum,
  };
}

/** A consistent header of a run after two rounds. */
function meta(): CheckpointMeta {
  return {
    format: 'jointly-federated-checkpoint',
    version: 1,
    runId: 'run-1',
    fingerprint: 'abc',
    round: 2,
    layout: [
      { name: 'dense/kernel', shape: [2, 2] },
      { name: 'dense/bias', shape: [2] },
    ],
    strategy: { name: 'fedadam', scalars: { steps: 2 }, vectors: ['m', 'v'] },
    pool: ['control/c0'],
    history: [record(1, '0badf00d'), record(2, paramsChecksum(PARAMS))],
    clients: { c0: { sampled: 2, replied: 2, failures: 0 }, c1: { sampled: 2, replied: 0, failures: 2, lastFailure: 'timeout in round 2' } },
  };
}

/** A header changed by `change` (on a deep copy; NaN kept). */
function changed(change: (m: CheckpointMeta & Record<string, unknown>) => void): unknown {
  const m = structuredClone(meta()) as CheckpointMeta & Record<string, unknown>;
  change(m);
  return m;
}

describe('checkCheckpointMeta', () => {
  it('passes a consistent header and returns it as it is, NaN losses, unknown record fields and a refused round included', () => {
    const m = changed((x) => {
      (x.history[1] as unknown as Record<string, unknown>).fieldOfALaterVersion = { global: 1, updates: { c0: 0.5 } };
    });

    assert.equal(checkCheckpointMeta(m, vectors(), EXPECTED), m);
  });

  it('passes a header of round 0 with no history, and without the optional fields', () => {
    const m = changed((x) => {
      x.round = 0;
      x.history = [];
      x.clients = {};
      delete x.fingerprint;
    });

    assert.equal(checkCheckpointMeta(m, vectors(), EXPECTED), m);
  });

  it('refuses the issue\'s header flip of round 3 to 7, and any round the history does not have', () => {
    for (const round of [7, 3, 1]) {
      assert.throws(() => checkCheckpointMeta(changed((x) => (x.round = round)), vectors(), EXPECTED), errorLike(CheckpointError, new RegExp(`^the checkpoint runs/x/checkpoint\\.jly is inconsistent: history has 2 records for ${round} completed rounds`)));
    }
  });

  it('names the field of every kind of inconsistency', () => {
    const cases: [string, unknown, Record<string, Float32Array>, RegExp][] = [
      ['not an object', null, vectors(), /the header is wrong/],
      ['an array', [], vectors(), /the header is wrong/],
      ['format', changed((x) => ((x as Record<string, unknown>).format = 'other')), vectors(), /format is wrong/],
      ['version', changed((x) => ((x as Record<string, unknown>).version = 2)), vectors(), /version is wrong/],
      ['runId', changed((x) => ((x as Record<string, unknown>).runId = 5)), vectors(), /runId is wrong/],
      ['negative round', changed((x) => (x.round = -1)), vectors(), /round is wrong/],
      ['fractional round', changed((x) => (x.round = 1.5)), vectors(), /round is wrong/],
      ['unknown field', changed((x) => (x.extra = 1)), vectors(), /is wrong/],
      ['history order', changed((x) => (x.history[1].round = 7)), vectors(), /history\[1\]\.round is 7, expected 2/],
      ['history swapped', changed((x) => x.history.reverse()), vectors(), /history\[0\]\.round is 2, expected 1/],
      ['record shape', changed((x) => delete (x.history[0] as Partial<RoundRecord>).sampled), vectors(), /history\[0\]\.sampled is wrong/],
      ['record failures', changed((x) => ((x.history[0].failures[0] as unknown as Record<string, unknown>).reason = 3)), vectors(), /history\[0\]\.failures\[0\]\.reason is wrong/],
      ['record bytes', changed((x) => (x.history[0].bytesSent = -1)), vectors(), /history\[0\]\.bytesSent is wrong/],
      ['record checksum format', changed((x) => (x.history[0].paramsChecksum = 'zz')), vectors(), /history\[0\]\.paramsChecksum is wrong/],
      ['client metrics', changed((x) => ((x.history[0].clientMetrics.c0 as Record<string, unknown>).numExamples = 'many')), vectors(), /history\[0\]\.clientMetrics\.c0/],
      ['last checksum', changed((x) => (x.history[1].paramsChecksum = '00000000')), vectors(), /history\[1\]\.paramsChecksum is 00000000, but the parameters in the payload have [0-9a-f]{8}/],
      ['layout size', changed((x) => (x.layout[0].shape = [2, 3])), vectors(), /layout adds up to 8 parameters, but 'params' holds 6/],
      ['layout shape', changed((x) => (x.layout[0].shape = [-2, -2])), vectors(), /layout\[0\]\.shape\[0\] is wrong/],
      ['no params', meta(), { ...vectors(), params: undefined as unknown as Float32Array }, /no 'params' vector/],
      ['strategy vector missing', changed((x) => x.strategy.vectors.push('w')), vectors(), /strategy\.vectors\[2\] names 'w', but the payload has no vector 'strategy\/w'/],
      ['strategy vector twice', changed((x) => (x.strategy.vectors = ['m', 'v', 'm'])), vectors(), /strategy\.vectors\[2\] names 'm' twice/],
      ['strategy vector unlisted', changed((x) => (x.strategy.vectors = ['m'])), vectors(), /strategy\.vectors does not list the payload's vector 'strategy\/v'/],
      ['strategy scalars', changed((x) => ((x.strategy.scalars as Record<string, unknown>).steps = 'two')), vectors(), /strategy\.scalars\.steps is wrong/],
      ['pool vector missing', changed((x) => x.pool.push('control/c1')), vectors(), /pool\[1\] names 'control\/c1', but the payload has no vector 'pool\/control\/c1'/],
      ['pool vector unlisted', changed((x) => (x.pool = [])), vectors(), /pool does not list the payload's vector 'pool\/control\/c0'/],
      ['payload vector unlisted', meta(), { ...vectors(), other: new Float32Array(1) }, /the payload holds a vector 'other' that no field lists/],
      ['client count', changed((x) => (x.clients.c0.sampled = 3)), vectors(), /clients\.c0\.sampled is 3, but the history adds up to 2/],
      ['client failures', changed((x) => (x.clients.c1.failures = 1)), vectors(), /clients\.c1\.failures is 1, but the history adds up to 2/],
      ['client count type', changed((x) => (x.clients.c0.replied = -1)), vectors(), /clients\.c0\.replied is wrong/],
      ['client last failure', changed((x) => (x.clients.c1.lastFailure = 'other')), vectors(), /clients\.c1\.lastFailure is not the last failure/],
      ['client unknown', changed((x) => (x.clients.c9 = { sampled: 0, replied: 0, failures: 0 })), vectors(), /clients\.c9 is a client the history never mentions/],
      ['client missing', changed((x) => delete x.clients.c1), vectors(), /clients lacks 'c1'/],
    ];
    for (const [what, m, v, pattern] of cases) {
      const payload = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
      assert.throws(() => checkCheckpointMeta(m, payload, EXPECTED), errorLike(CheckpointError, /^the checkpoint runs\/x\/checkpoint\.jly is inconsistent: /, pattern), what);
    }
  });
});
