import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomValues } from '../../engine/testing.js';
import { encodeFloat16 } from './float16.js';
import { bytesOf, compressionSummary } from './summary.js';
import { encodeTopK } from './topk.js';

test('bytesOf counts header and payload; the summary gives the ratio versus float32 and the bits per value', () => {
  const x = randomValues(1000, 1);

  const half = compressionSummary(encodeFloat16(x));
  const top = compressionSummary(encodeTopK(x, { count: 10 }));

  assert.equal(bytesOf(encodeFloat16(x)), 2008);
  assert.deepEqual(half, { codec: 'float16', length: 1000, bytes: 2008, float32Bytes: 4000, ratio: 4000 / 2008, bitsPerValue: 16.064 });
  assert.ok(top.bytes >= 62 && top.bytes <= 72, `10 varints of 1–2 bytes: ${top.bytes}`);
  assert.ok(top.ratio > 50, `ratio ${top.ratio}`);
  const empty = compressionSummary(encodeFloat16(new Float32Array(0)));
  assert.equal(empty.ratio, 0);
  assert.equal(empty.bitsPerValue, 0);
});
