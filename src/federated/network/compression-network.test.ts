/**
 * Compressed updates over WebSocket: clients on loopback send top-k (with error feedback) and
 * float16 updates in `data/update`, the server decodes them in its reply validation, the rounds
 * aggregate every client, and the bytes received shrink against plain float32 replies.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { Coordinator, type CoordinatorResult } from '../server/coordinator.js';
import { createStrategy } from '../strategies/registry.js';
import type { ComposedStrategySpecInput } from '../strategies/options.js';
import { FederatedClient } from './client.js';
import { startServer, tinyDataset } from './testing.js';

const CLIENTS = 3;

async function run(strategy: ComposedStrategySpecInput): Promise<CoordinatorResult> {
  const ids = Array.from({ length: CLIENTS }, (_, i) => `site-${i}`);
  const ts = await startServer(ids);
  const stop = new AbortController();
  const clients = ids.map((id, i) => new FederatedClient({ url: ts.url, clientId: id, token: ts.tokens[id], train: tinyDataset(40, 10 + i), backend: 'cpu', maxRetries: 0, jointlyVersion: 'test', log: () => undefined }));
  const running = clients.map((c) => c.run(stop.signal));
  try {
    const coordinator = new Coordinator({
      runId: 'compress-run',
      strategy: createStrategy(strategy),
      pool: ts.server,
      settings: { rounds: 2, fraction: 1, minFit: CLIENTS, minAvailable: CLIENTS, roundTimeoutSeconds: 60, evaluateEvery: 0, evaluateFraction: 1, seed: 2 },
      layout: ts.layout,
      initialParams: ts.params,
      numClients: () => CLIENTS,
    });
    return await coordinator.run(new AbortController().signal);
  } finally {
    await ts.close('run finished', true);
    stop.abort();
    await Promise.all(running);
  }
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
