/**
 * Tests of the bounds on a round's replies: update norms (absolute, relative to the global
 * model, relative to the median of the others), claimed examples relative to the others'
 * claims, refuse and clip, and federated evaluation results (implausible metrics, counts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClose } from '../../engine/testing.js';
import type { FitReply } from '../strategy.js';
import type { ClientEvaluation } from './client-pool.js';
import { applyUpdateBounds, boundEvaluations, DEFAULT_UPDATE_BOUNDS, distance2, formatBoundValue, median, norm2, type UpdateBounds } from './update-bounds.js';

/** ‖GLOBAL‖ = 5 (3-4-0-0). */
const GLOBAL = new Float32Array([3, 4, 0, 0]);

/** A reply whose update is `delta`. */
function reply(clientId: string, delta: number[], numExamples = 20): FitReply {
  return { clientId, params: GLOBAL.map((g, i) => g + delta[i]), numExamples, metrics: { loss: 0.5 }, extras: {} };
}

function bounds(overrides: Partial<UpdateBounds> = {}): UpdateBounds {
  return { ...DEFAULT_UPDATE_BOUNDS, ...overrides };
}

describe('norms and medians', () => {
  it('accumulates in float64: a 3e38 update does not overflow', () => {
    const a = new Float32Array([3e38, 3e38]);

    assertClose([norm2(a)], [3e38 * Math.SQRT2], 1e-6 * 3e38, 'norm');
    assertClose([distance2(a, new Float32Array([-3e38, 0]))], [Math.hypot(6e38, 3e38)], 1e-6 * 6e38, 'distance');
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.ok(Number.isNaN(median([])));
    assert.equal(formatBoundValue(3.2e31), '3.20e+31');
    assert.equal(formatBoundValue(41.666), '41.7');
  });
});

describe('applyUpdateBounds: update norms', () => {
  it('accepts updates within the bounds as they are, and records every norm', () => {
    const replies = [reply('a', [0.1, 0, 0, 0]), reply('b', [0, 0.2, 0, 0]), reply('c', [0, 0, 0.3, 0])];

    const out = applyUpdateBounds(replies, GLOBAL, bounds());

    assert.deepEqual(out.accepted, replies);
    assert.ok(out.accepted.every((r, i) => r === replies[i]), 'unchanged replies are passed through');
    assert.deepEqual(out.refused, []);
    assert.deepEqual(out.adjusted, []);
    assert.equal(out.norms.global, 5);
    assertClose(Object.values(out.norms.updates), [0.1, 0.2, 0.3], 1e-6, 'update norms');
  });

  it('refuses parameters of 1e30 against 10 × the global norm, naming the bound and the values (also with one reply)', () => {
    const huge: FitReply = { clientId: 'm', params: new Float32Array(4).fill(1e30), numExamples: 20, metrics: {}, extras: {} };

    const out = applyUpdateBounds([huge], GLOBAL, bounds());

    assert.deepEqual(out.accepted, []);
    assert.deepEqual(out.refused, [{ clientId: 'm', reason: "update norm 2.00e+30 exceeds the bound 50 (10 × the global model's norm 5); refused" }]);
  });

  it('floors the global norm at 1, so that a model near 0 can still move', () => {
    const tiny = new Float32Array([0.01, 0, 0, 0]);
    const r: FitReply = { clientId: 'a', params: new Float32Array([9, 0, 0, 0]), numExamples: 5, metrics: {}, extras: {} };

    assert.equal(applyUpdateBounds([r], tiny, bounds()).accepted.length, 1, '‖Δ‖ 8.99 < 10 × 1');
    const far = { ...r, params: new Float32Array([11, 0, 0, 0]) };
    assert.match(applyUpdateBounds([far], tiny, bounds()).refused[0].reason, /exceeds the bound 10 \(10 × 1, the floor of the global model's norm 0\.01\)/);
  });

  it('refuses an update beyond 10 × the median of the others in a round of 3 or more, but not with a single other reply', () => {
    const honest = [reply('a', [1, 0, 0, 0]), reply('b', [0, 1.2, 0, 0])];
    const scaled = reply('m', [0, 0, 0, 15]);

    const three = applyUpdateBounds([...honest, scaled], GLOBAL, bounds({ maxNormMultipleOfMedian: 10 }));
    const two = applyUpdateBounds([honest[0], scaled], GLOBAL, bounds({ maxNormMultipleOfMedian: 10 }));

    assert.deepEqual(three.accepted.map((r) => r.clientId), ['a', 'b']);
    assert.deepEqual(three.refused, [{ clientId: 'm', reason: 'update norm 15 exceeds the bound 11 (10 × the median update norm 1.1 of the 2 other replies); refused' }]);
    // With one other reply, either client could have the other refused: only the global-norm bound (50) applies.
    assert.deepEqual(two.accepted.map((r) => r.clientId), ['a', 'm']);
  });

  it('does not let one tiny update refuse the honest ones (median of the others, at least 2 of them)', () => {
    const replies = [reply('a', [1, 0, 0, 0]), reply('b', [0, 3, 0, 0]), reply('m', [1e-30, 0, 0, 0])];

    // With m as b's only comparison, b would be 3e30 × beyond it; the median of a and m is 0.5.
    const out = applyUpdateBounds(replies, GLOBAL, bounds({ maxNormMultipleOfMedian: 10 }));

    assert.deepEqual(out.accepted.map((r) => r.clientId), ['a', 'b', 'm']);
  });

  it('ignores the median bound when the others sent their parameters back unchanged', () => {
    const out = applyUpdateBounds([reply('a', [0, 0, 0, 0]), reply('b', [0, 0, 0, 0]), reply('c', [0.5, 0, 0, 0])], GLOBAL, bounds({ maxNormMultipleOfMedian: 10 }));

    assert.equal(out.accepted.length, 3);
  });

  it('applies the absolute bound when it is the tightest, and turns relative bounds off with 0', () => {
    const replies = [reply('a', [0, 0, 3, 4]), reply('b', [0, 0, 0, 0.1]), reply('c', [0, 0, 0, 0.1])];

    const absolute = applyUpdateBounds(replies, GLOBAL, bounds({ maxUpdateNorm: 2, maxNormMultipleOfMedian: 0 }));
    const off = applyUpdateBounds(replies, GLOBAL, bounds({ maxUpdateNormRatio: 0, maxNormMultipleOfMedian: 0 }));

    assert.deepEqual(absolute.refused, [{ clientId: 'a', reason: 'update norm 5 exceeds the bound 2 (maxUpdateNorm); refused' }]);
    assert.equal(off.accepted.length, 3);
  });

  it('clips an update beyond the bound to it, keeping its direction, and records the clip', () => {
    const r = reply('a', [0, 0, 30, 40]);

    const out = applyUpdateBounds([r], GLOBAL, bounds({ maxUpdateNorm: 2, onNormExceeded: 'clip' }));

    assert.deepEqual(out.refused, []);
    assertClose(out.accepted[0].params, [3, 4, 1.2, 1.6], 1e-6, 'global + Δ·(2/50)');
    assert.equal(out.accepted[0].numExamples, 20);
    assert.deepEqual(out.adjusted, [{ clientId: 'a', what: 'updateNorm', from: 50, to: 2, bound: 'maxUpdateNorm' }]);
    assert.deepEqual(r.params, GLOBAL.map((g, i) => g + [0, 0, 30, 40][i]), 'the input reply is not modified');
  });

  it('clips a 3e38 delta to a finite update of the bound\'s norm', () => {
    const r: FitReply = { clientId: 'm', params: new Float32Array([3e38, 3e38, 3e38, 3e38]), numExamples: 20, metrics: {}, extras: {} };

    const out = applyUpdateBounds([r], GLOBAL, bounds({ onNormExceeded: 'clip' }));

    assert.ok(out.accepted[0].params.every(Number.isFinite));
    assertClose([distance2(out.accepted[0].params, GLOBAL)], [50], 1e-3, 'clipped to 10 × ‖global‖');
  });
});

describe('applyUpdateBounds: extra vectors', () => {
  const withExtra = (r: FitReply, controlDelta: number[]): FitReply => ({ ...r, extras: { controlDelta: new Float32Array(controlDelta) } });

  it('refuses a reply whose extra vector (SCAFFOLD controlDelta) is far beyond the median of the others, with honest parameters', () => {
    const replies = [withExtra(reply('a', [0.1, 0, 0, 0]), [1, 0]), withExtra(reply('b', [0.1, 0, 0, 0]), [0, 2]), withExtra(reply('m', [0.1, 0, 0, 0]), [1e30, 0])];

    const out = applyUpdateBounds(replies, GLOBAL, bounds());

    assert.deepEqual(out.accepted.map((r) => r.clientId), ['a', 'b']);
    assert.equal(out.refused.length, 1);
    assert.match(out.refused[0].reason, /^extra vector 'controlDelta' has norm 1\.00e\+30, beyond the bound 150 \(100 × the median 1\.5 of the 2 other replies\); refused$/);
  });

  it('refuses instead of clipping an update that carries extras (they were computed from the whole update)', () => {
    const replies = [withExtra(reply('a', [0.1, 0, 0, 0]), [1, 0]), withExtra(reply('m', [100, 0, 0, 0]), [1, 0])];

    const out = applyUpdateBounds(replies, GLOBAL, bounds({ onNormExceeded: 'clip' }));

    assert.deepEqual(out.accepted.map((r) => r.clientId), ['a']);
    assert.match(out.refused[0].reason, /not clipped: the reply carries extra vectors/);
  });
});

describe('applyUpdateBounds: claimed examples', () => {
  it('refuses a claim of 10,000,000 against the median 20 of the others; the honest claims keep their weight', () => {
    const replies = [reply('a', [0.1, 0, 0, 0], 20), reply('b', [0.1, 0, 0, 0], 24), reply('m', [0, 0, 0, 0], 10_000_000)];

    const out = applyUpdateBounds(replies, GLOBAL, bounds());

    assert.deepEqual(out.accepted.map((r) => [r.clientId, r.numExamples]), [['a', 20], ['b', 24]]);
    assert.deepEqual(out.refused, [{ clientId: 'm', reason: 'claimed examples 10000000 exceed the bound 2200 (100 × the median claim 22 of the 2 other replies); refused' }]);
  });

  it('clips a claim to the bound when asked to, and records it', () => {
    const replies = [reply('a', [0.1, 0, 0, 0], 20), reply('b', [0.1, 0, 0, 0], 25), reply('m', [0, 0, 0, 0], 10_000_000)];

    const out = applyUpdateBounds(replies, GLOBAL, bounds({ maxExamplesMultipleOfMedian: 3, onExamplesExceeded: 'clip' }));

    assert.deepEqual(out.accepted.map((r) => r.numExamples), [20, 25, 67]);
    assert.deepEqual(out.adjusted, [{ clientId: 'm', what: 'numExamples', from: 10_000_000, to: 67, bound: '3 × the median claim 22.5 of the 2 other replies' }]);
  });

  it('leaves legitimate quantity skew alone and needs 2 other replies', () => {
    const skewed = [reply('a', [0.1, 0, 0, 0], 10), reply('b', [0.1, 0, 0, 0], 40), reply('c', [0.1, 0, 0, 0], 800)];

    assert.equal(applyUpdateBounds(skewed, GLOBAL, bounds()).accepted.length, 3);
    assert.equal(applyUpdateBounds([skewed[0], reply('m', [0, 0, 0, 0], 10_000_000)], GLOBAL, bounds()).accepted.length, 2, 'one other reply is no median');
  });

  it('checks the norm first: a reply refused for its norm is refused once', () => {
    const replies = [reply('a', [0.1, 0, 0, 0]), reply('b', [0.1, 0, 0, 0]), reply('m', [1e6, 0, 0, 0], 10_000_000)];

    const out = applyUpdateBounds(replies, GLOBAL, bounds());

    assert.equal(out.refused.length, 1);
    assert.match(out.refused[0].reason, /^update norm/);
  });
});

describe('boundEvaluations', () => {
  const ev = (clientId: string, numExamples: number, loss = 0.4, accuracy = 0.8): ClientEvaluation => ({ clientId, numExamples, loss, accuracy });

  it('leaves out a count of 10,000,000 against the median 20 of the others, and keeps the rest', () => {
    const out = boundEvaluations([ev('a', 20), ev('b', 20), ev('m', 10_000_000, 0, 1)], bounds());

    assert.deepEqual(out.counted.map((r) => r.clientId), ['a', 'b']);
    assert.deepEqual(out.dropped, [{ clientId: 'm', reason: 'evaluated examples 10000000 exceed the bound 2000 (100 × the median count 20 of the 2 other replies); left out of the federated evaluation' }]);
  });

  it('caps the count instead when clipping', () => {
    const out = boundEvaluations([ev('a', 20), ev('b', 20), ev('m', 10_000_000, 0, 1)], bounds({ maxExamplesMultipleOfMedian: 2, onExamplesExceeded: 'clip' }));

    assert.deepEqual(out.counted.map((r) => r.numExamples), [20, 20, 40]);
    assert.deepEqual(out.adjusted, [{ clientId: 'm', what: 'evaluationExamples', from: 10_000_000, to: 40, bound: '2 × the median count 20 of the 2 other replies' }]);
  });

  it('drops a negative or non-finite loss and an accuracy outside [0, 1]; results without examples are kept and not compared', () => {
    const out = boundEvaluations([ev('a', 20), ev('b', 20, -1), ev('c', 20, Number.POSITIVE_INFINITY), ev('d', 20, 0.1, 1.2), ev('e', 0, Number.NaN, Number.NaN)], bounds());

    assert.deepEqual(out.counted.map((r) => r.clientId), ['a', 'e']);
    assert.deepEqual(
      out.dropped.map((d) => d.reason),
      [
        'loss -1 is not a finite number ≥ 0; left out of the federated evaluation',
        'loss Infinity is not a finite number ≥ 0; left out of the federated evaluation',
        'accuracy 1.2 is not a share in [0, 1]; left out of the federated evaluation',
      ],
    );
  });
});
