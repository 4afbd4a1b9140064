/**
 * The Strategy contract, checked for every registered strategy on the same seeded rounds:
 * arrival-order independence, no input mutated, no aliased result, zero replies refused, the
 * client config keys, and a checkpoint that resumes bit-exactly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../errors.js';
import { createRng, permutation } from '../../engine/random.js';
import { randomValues } from '../../engine/testing.js';
import { EXTRA_CONTROL_DELTA } from '../client-config.js';
import type { FitReply, RoundContext, Strategy, StrategyState } from '../strategy.js';
import { createStrategy, STRATEGY_NAMES } from './registry.js';

const DIM = 6;
const N = 9; // ≥ every strategy's minimum with default options (Bulyan f = 1 needs 7)

function round(global: Float32Array, seed: number, roundNo: number): { ctx: RoundContext; replies: FitReply[] } {
  const replies = Array.from({ length: N }, (_, k): FitReply => {
    const noise = randomValues(DIM, seed * 100 + k);
    const params = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) params[i] = global[i] + 0.5 + 0.1 * noise[i];
    return {
      clientId: `client-${String(k).padStart(2, '0')}`,
      params,
      numExamples: 10 + k,
      metrics: { loss: 1 / (k + 1) },
      extras: { [EXTRA_CONTROL_DELTA]: randomValues(DIM, seed * 1000 + k) },
    };
  });
  return { ctx: { round: roundNo, global, numClients: 20 }, replies };
}

function cloneReplies(replies: readonly FitReply[]): FitReply[] {
  return replies.map((r) => ({
    ...r,
    params: Float32Array.from(r.params),
    metrics: { ...r.metrics },
    extras: Object.fromEntries(Object.entries(r.extras).map(([k, v]) => [k, Float32Array.from(v)])),
  }));
}

function snapshot(state: StrategyState): unknown {
  return { scalars: state.scalars, vectors: Object.fromEntries(Object.entries(state.vectors).map(([k, v]) => [k, Array.from(v)])) };
}

/** Runs configure + aggregate for one round. */
function run(strategy: Strategy, ctx: RoundContext, replies: readonly FitReply[]): Float32Array {
  strategy.configureFit(ctx);
  return strategy.aggregateFit(ctx, replies, []).params;
}

const global0 = randomValues(DIM, 7);

for (const name of STRATEGY_NAMES) {
  describe(`strategy ${name}`, () => {
    test('its config carries the ClientTrainConfig keys with the right types', () => {
      const { config } = createStrategy({ name }).configureFit({ round: 1, global: global0, numClients: 20 });
      assert.equal(typeof config.localEpochs, 'number');
      assert.equal(typeof config.batchSize, 'number');
      assert.equal(typeof config.proximalMu, 'number');
      assert.equal(typeof config.scaffold, 'boolean');
      assert.equal(config.proximalMu !== 0, name === 'fedprox');
      assert.equal(config.scaffold, name === 'scaffold');
    });

    test('zero replies are refused, and so are fewer than minReplies()', () => {
      const s = createStrategy({ name });
      const { ctx, replies } = round(global0, 1, 1);
      assert.throws(() => s.aggregateFit(ctx, [], []), RoundRefusedError);
      const min = s.minReplies();
      assert.ok(min >= 1 && min <= N);
      if (min > 1) assert.throws(() => s.aggregateFit(ctx, replies.slice(0, min - 1), []), RoundRefusedError);
    });

    test('the result does not depend on arrival order, modifies no input and aliases none', () => {
      const { ctx, replies } = round(global0, 2, 1);
      const shuffled = Array.from(permutation(N, createRng(3)), (i) => replies[i]);
      const before = cloneReplies(replies);
      const globalBefore = Float32Array.from(ctx.global);

      const a = run(createStrategy({ name }), ctx, replies);
      const b = run(createStrategy({ name }), ctx, shuffled);

      assert.deepEqual(Array.from(a), Array.from(b));
      assert.deepEqual(cloneReplies(replies), before);
      assert.deepEqual(ctx.global, globalBefore);
      assert.ok(a !== ctx.global && replies.every((r) => r.params !== a));
      assert.ok(a.every(Number.isFinite));
    });

    test('a checkpoint after round 1 resumes round 2 bit-exactly', () => {
      const r1 = round(global0, 4, 1);
      const straight = createStrategy({ name });
      const p1 = run(straight, r1.ctx, r1.replies);
      const r2 = round(p1, 5, 2);
      const p2 = run(straight, r2.ctx, r2.replies);

      const first = createStrategy({ name });
      run(first, r1.ctx, r1.replies);
      const saved = first.getState();
      const resumed = createStrategy({ name });
      resumed.setState(saved);
      const p2Resumed = run(resumed, r2.ctx, r2.replies);

      assert.deepEqual(Array.from(p2Resumed), Array.from(p2));
      assert.deepEqual(snapshot(resumed.getState()), snapshot(straight.getState()));
      // getState returns copies: changing them does not change the strategy.
      const vectors = Object.values(saved.vectors);
      vectors.forEach((v) => v.fill(123));
      if (vectors.length > 0) assert.notDeepEqual(snapshot(first.getState()), snapshot(saved));
    });
  });
}
