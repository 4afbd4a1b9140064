import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUpdate } from '../../compression/index.js';
import { parseClientTrainConfig } from '../../client-config.js';
import { compressTransform } from './compress.js';
import { COMPRESSION_RESIDUAL } from './options.js';

const config = (entries: Record<string, number | string | boolean>) => parseClientTrainConfig({ localEpochs: 1, batchSize: 8, seed: 3, ...entries });

test('float16: the reply carries 2 bytes a value (plus the header), and params are what the server decodes', () => {
  const global = Float32Array.from({ length: 1000 }, (_, i) => i / 1000);
  const params = global.map((x, i) => x + Math.sin(i) / 10);

  const out = compressTransform.apply({ clientId: 'a', config: config({ compression: 'float16' }), global, params, state: {} });

  assert.ok(out.encoded !== undefined);
  assert.equal(out.encoded.byteLength, 8 + 2000);
  const decoded = decodeUpdate(out.encoded, 1000, 'float16');
  for (let i = 0; i < 1000; i++) {
    assert.equal(out.params[i], Math.fround(global[i] + decoded[i]));
    assert.ok(Math.abs(out.params[i] - params[i]) < 1e-3, `value ${i}`);
  }
  assert.deepEqual(out.state, {});
});

test('topk with error feedback keeps what it did not send, and adds it to the next round', () => {
  const global = new Float32Array(100);
  const params = Float32Array.from({ length: 100 }, (_, i) => (i === 7 ? 5 : 0.01 * (i % 3)));
  const cfg = config({ compression: 'topk', compressionFraction: 0.01, compressionErrorFeedback: true });

  const first = compressTransform.apply({ clientId: 'a', config: cfg, global, params, state: {} });
  const residual = first.state?.[COMPRESSION_RESIDUAL];

  // Only the largest entry was sent; the rest waits in the residual.
  assert.equal(first.params[7], 5);
  assert.equal(first.params.filter((v) => v !== 0).length, 1);
  assert.ok(residual !== undefined && Math.abs(residual[1] - 0.01) < 1e-7 && residual[7] === 0);
  // Next round, a zero update: the largest residual entry goes out.
  const second = compressTransform.apply({ clientId: 'a', config: cfg, global, params: new Float32Array(100), state: { [COMPRESSION_RESIDUAL]: residual } });
  assert.equal(second.params.filter((v) => v !== 0).length, 1);
  assert.ok(Math.abs(Math.max(...second.params) - 0.02) < 1e-7);
});

test('q8 is seeded by the round and the client: the same reply twice, another client differs', () => {
  const global = new Float32Array(512);
  const params = Float32Array.from({ length: 512 }, (_, i) => Math.cos(i));
  const cfg = config({ compression: 'q8' });
  const a = compressTransform.apply({ clientId: 'a', config: cfg, global, params, state: {} });
  const again = compressTransform.apply({ clientId: 'a', config: cfg, global, params, state: {} });
  const b = compressTransform.apply({ clientId: 'b', config: cfg, global, params, state: {} });
  assert.deepEqual(again.encoded, a.encoded);
  assert.notDeepEqual(b.encoded, a.encoded);
  assert.ok(a.encoded !== undefined && a.encoded.byteLength < 512 * 1.1);
});

test('a residual of another length (another model) is dropped, not applied', () => {
  const cfg = config({ compression: 'topk', compressionFraction: 0.5, compressionErrorFeedback: true });
  const out = compressTransform.apply({ clientId: 'a', config: cfg, global: new Float32Array(4), params: Float32Array.from([1, 0, 0, 0]), state: { [COMPRESSION_RESIDUAL]: new Float32Array(7).fill(9) } });
  assert.deepEqual(Array.from(out.params), [1, 0, 0, 0]);
});
