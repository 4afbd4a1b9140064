import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainAlgorithm } from './plain.js';

test('plain sends nothing, expects nothing, keeps nothing', () => {
  const server = plainAlgorithm.server({ name: 'plain' }, { strategy: 's' });
  const ctx = { round: 1, global: new Float32Array(3), numClients: 4 };

  assert.deepEqual([server.config(), server.extras(ctx), server.replyExtras(ctx)], [{}, {}, {}]);
  assert.deepEqual(server.update(ctx, []).metrics, {});
  assert.deepEqual(server.getState(), { scalars: {}, vectors: {} });
  assert.deepEqual(plainAlgorithm.configOff, {});
  assert.deepEqual(plainAlgorithm.client.stateNames, []);
});
