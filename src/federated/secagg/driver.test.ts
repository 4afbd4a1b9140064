import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInProcessRound } from './driver.js';
import { createSecAggSetup } from './setup.js';

test('runInProcessRound reports bytes, seconds and the refusals it absorbed', async () => {
  const setup = createSecAggSetup({ round: 1, clientIds: [0, 1, 2, 3, 4, 5], vectorLength: 100, graphSeed: 2 });
  const updates = new Map(setup.clientIds.map((id) => [id, new Float32Array(100).fill(id / 10)]));

  const report = await runInProcessRound(setup, updates, { dropBeforeShares: [5], concurrency: 3 });

  // 0 + 0.1 + 0.2 + 0.3 + 0.4 = 1.0; all these are multiples of 2^-16 up to rounding < 5/65536
  assert.ok(report.result.sum.every((v) => Math.abs(v - 1) < 5 / 65536));
  assert.deepEqual(report.result.excluded, [5]);
  assert.ok(report.bytesSent.get(0)! > 400, 'at least the masked vector');
  assert.ok(report.bytesSent.get(5)! < 200, 'only the keys');
  assert.ok(report.serverSeconds > 0);
  assert.deepEqual(report.refused, []);
});
