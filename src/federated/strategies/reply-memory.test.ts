/**
 * Every registered strategy leaves the replies' memory alone once it has aggregated: the
 * simulation reads the next round's replies into the same arrays (Strategy.aggregateFit), so a
 * result or a state vector that shares memory with a reply would change under the strategy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { listStrategies } from './registry.js';

const D = 12;
const CLIENTS = 9;

function vector(rng: ReturnType<typeof createRng>, scale: number): Float32Array {
  return Float32Array.from({ length: D }, () => scale * (rng.next() - 0.5));
}

for (const { name, create } of listStrategies()) {
  test(`${name}: neither the new parameters nor the strategy's state share memory with the replies`, () => {
    // Krum and Bulyan tolerate one Byzantine client of nine; the others take no options here.
    const options = name === 'krum' || name === 'multikrum' || name === 'bulyan' ? { byzantine: 1 } : {};
    const strategy = create(options);
    const rng = createRng(7);
    const global = vector(rng, 1);
    const ctx: RoundContext = { round: 1, global, numClients: 20, sampled: CLIENTS };
    const instructions = strategy.configureFit(ctx);
    const replies: FitReply[] = Array.from({ length: CLIENTS }, (_, k) => ({
      clientId: `c${k}`,
      params: Float32Array.from(global, (g) => g + 0.1 * (rng.next() - 0.5)),
      numExamples: 10 + k,
      metrics: { loss: 1 },
      extras: Object.fromEntries(Object.entries(instructions.replyExtras ?? {}).map(([extra, length]) => [extra, Float32Array.from({ length }, () => 0.01 * (rng.next() - 0.5))])),
    }));

    const out = strategy.aggregateFit(ctx, replies, []);
    const params = out.params.slice();
    const state = strategy.getState();
    const kept = Object.fromEntries(Object.entries(state.vectors).map(([k, v]) => [k, v.slice()]));
    // The runtime reuses the replies' memory.
    for (const r of replies) {
      r.params.fill(Number.NaN);
      for (const v of Object.values(r.extras)) v.fill(Number.NaN);
    }

    assert.ok(params.every(Number.isFinite), `${name}: the aggregate is finite`);
    assert.deepEqual(out.params, params, `${name}: the new parameters did not change with the replies' memory`);
    for (const [k, v] of Object.entries(strategy.getState().vectors)) assert.deepEqual(v, kept[k], `${name}: state vector '${k}' did not change with the replies' memory`);
  });
}
