/**
 * Compressed updates over WebSocket: clients on loopback send top-k (with error feedback) and
 * float16 updates in `data/update`, the server decodes them in its reply validation, the rounds
 * aggregate every client, and the bytes received shrink against plain float32 replies.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import type { CoordinatorResult } from '../server/coordinator.js';
import { createStrategy } from '../strategies/registry.js';
import type { ComposedStrategySpecInput } from '../strategies/options.js';
import { runLoopbackFederation } from './testing.js';

const CLIENTS = 3;

async function run(strategy: ComposedStrategySpecInput): Promise<CoordinatorResult> {
  return (await runLoopbackFederation({ strategy: createStrategy(strategy), clients: CLIENTS, rounds: 2 })).result;
}

describe('compressed updates over WebSocket', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('float16 and top-k replies are decoded and aggregated, with fewer bytes received', async () => {
    const base = { aggregator: { name: 'mean' as const }, localEpochs: 1, batchSize: 8 };
    const plain = await run(base);
    const half = await run({ ...base, compression: { name: 'float16' } });
    const topk = await run({ ...base, compression: { name: 'topk', fraction: 0.2 } });
    const received = (r: CoordinatorResult): number => r.history.reduce((s, h) => s + h.bytesReceived, 0);

    for (const r of [half, topk]) {
      for (const h of r.history) {
        assert.deepEqual(h.failures, [], `round ${h.round}`);
        assert.equal(h.replied.length, CLIENTS);
        assert.ok(h.aggregate.updateNorm > 0);
      }
    }
    // The tiny task has 26 parameters: messages are mostly headers, so the saving is modest but present.
    assert.ok(received(half) < received(plain), `float16 ${received(half)} vs plain ${received(plain)}`);
    assert.ok(received(topk) < received(half), `top-k ${received(topk)} vs float16 ${received(half)}`);
  });
});
