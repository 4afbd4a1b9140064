import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ProtocolError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { HEADER_BYTES } from './format.js';
import { decodeQ8, encodeQ8, q8Bytes, q8Codec } from './q8.js';

test('unbiased: the mean of many decodes converges to x, at 1/√N', () => {
  // One block of 64 values, each a fractional number of levels above min (0.3, 0.7, ...): a
  // deterministic rounding would be off by up to half a level (0.5·s), far beyond the tolerance.
  const d = 64;
  const x = new Float32Array(d);
  x[0] = -1;
  x[1] = 1;
  for (let i = 2; i < d; i++) x[i] = Math.fround(-1 + (2 / 255) * (((i * 37) % 250) + 0.3 + (i % 7) / 10));
  const s = 2 / 255;
  const rng = createRng(17);
  const trials = 20_000;
  const sum = new Float64Array(d);

  for (let t = 0; t < trials; t++) {
    const dec = decodeQ8(encodeQ8(x, { random: rng }).bytes, d);
    for (let i = 0; i < d; i++) sum[i] += dec[i];
  }

  // Each decode is x ± a fraction of s: std ≤ s/2, so the mean's std ≤ s/(2√N). Allow 5σ.
  const tol = (5 * s) / (2 * Math.sqrt(trials));
  let worst = 0;
  for (let i = 0; i < d; i++) worst = Math.max(worst, Math.abs(sum[i] / trials - x[i]));
  assert.ok(worst <= tol, `max |mean − x| = ${worst} > ${tol}`);
});

test('every value is within one level: |decoded − x| < (max − min)/255 per block, partial last block too', () => {
  const d = 1000; // 3 full blocks of 256 and one of 232
  const x = randomValues(d, 3);
  for (let i = 0; i < d; i++) x[i] *= 1 + (i >> 8) * 10; // different ranges per block

  const encoded = encodeQ8(x, { random: createRng(1) });
  const decoded = decodeQ8(encoded.bytes, d);

  assert.equal(encoded.bytes.length, HEADER_BYTES + 4 + 8 * 4 + d);
  assert.equal(q8Bytes(d), encoded.bytes.length);
  for (let b = 0; b < 4; b++) {
    const block = x.subarray(b * 256, Math.min(d, (b + 1) * 256));
    const min = Math.min(...block);
    const max = Math.max(...block);
    const s = (max - min) / 255;
    for (let i = b * 256; i < b * 256 + block.length; i++) {
      assert.ok(decoded[i] >= min && decoded[i] <= max, `value ${i} inside [min, max]`);
      assert.ok(Math.abs(decoded[i] - x[i]) < s * (1 + 1e-6), `value ${i}: error ${Math.abs(decoded[i] - x[i])} ≥ ${s}`);
    }
  }
  // the block extremes are grid points, so they are exact
  assert.equal(decoded[x.indexOf(Math.min(...x.subarray(0, 256)))], Math.min(...x.subarray(0, 256)));
});

test('a constant block decodes exactly; an empty vector is just the header and block size', () => {
  const x = new Float32Array(300).fill(0.125);
  assert.deepEqual(decodeQ8(encodeQ8(x, { random: () => 0.5 }).bytes, 300), x);
  const empty = encodeQ8(new Float32Array(0), { random: () => 0.5 });
  assert.equal(empty.bytes.length, HEADER_BYTES + 4);
  assert.equal(decodeQ8(empty.bytes, 0).length, 0);
});

test('the randomness: a seed reproduces; next(), fill() and a function are accepted; bad sources refused', () => {
  const x = randomValues(500, 9);
  const a = encodeQ8(x, { random: createRng(4) }).bytes;
  const again = encodeQ8(x, { random: createRng(4) }).bytes;
  const other = encodeQ8(x, { random: createRng(5) }).bytes;
  const rng = createRng(4);
  const asFunction = encodeQ8(x, { random: () => rng.next() }).bytes;
  const rng2 = createRng(4);
  const asFill = encodeQ8(x, { random: { fill: (out: Float64Array) => out.forEach((_, i) => (out[i] = rng2.next())) } }).bytes;

  assert.deepEqual(again, a);
  assert.notDeepEqual(other, a);
  assert.deepEqual(asFunction, a);
  assert.deepEqual(asFill, a);
  assert.throws(() => encodeQ8(x, { random: () => 1 }), errorLike(ConfigError, /random: the uniform source returned 1, outside \[0, 1\)/));
  assert.throws(() => encodeQ8(x, { random: 3 as unknown as () => number }), errorLike(ConfigError, /random: must be a function/));
});

test('a block size of 1 is lossless; bad block sizes and non-finite values are refused', () => {
  const x = randomValues(10, 2);
  const codec = q8Codec({ random: createRng(0), blockSize: 1 });
  assert.deepEqual(codec.decode(codec.encode(x).bytes, 10), x);
  assert.throws(() => encodeQ8(x, { random: createRng(0), blockSize: 0 }), errorLike(ConfigError, /blockSize: must be an integer ≥ 1, got 0/));
  assert.throws(() => encodeQ8(x, { random: createRng(0), blockSize: 2.5 }), ConfigError);
  assert.throws(() => encodeQ8(Float32Array.from([1, NaN]), { random: createRng(0) }), errorLike(ProtocolError, /value 1 is NaN/));
});

test('decode refuses malformed bytes with the reason', () => {
  const x = randomValues(10, 2);
  const good = encodeQ8(x, { random: createRng(0), blockSize: 4 }).bytes; // 3 blocks
  const scales = HEADER_BYTES + 4;
  const withFloat = (at: number, v: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setFloat32(at, v, true);
    return b;
  };
  const withBlock = (size: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(HEADER_BYTES, size, true);
    return b;
  };

  assert.equal(decodeQ8(good, 10).length, 10);
  assert.throws(() => decodeQ8(good, 11), errorLike(ProtocolError, /length 10, expected 11/));
  assert.throws(() => decodeQ8(good.subarray(0, good.length - 1), 10), errorLike(ProtocolError, /truncated/));
  assert.throws(() => decodeQ8(good.subarray(0, HEADER_BYTES + 2), 10), errorLike(ProtocolError, /no block size/));
  assert.throws(() => decodeQ8(Uint8Array.from([...good, 1, 2]), 10), errorLike(ProtocolError, /2 trailing bytes/));
  assert.throws(() => decodeQ8(withBlock(0), 10), errorLike(ProtocolError, /block size 0/));
  assert.throws(() => decodeQ8(withBlock(5), 10), errorLike(ProtocolError, /trailing bytes/)); // 2 blocks expected, 3 present
  assert.throws(() => decodeQ8(withFloat(scales + 8, NaN), 10), errorLike(ProtocolError, /block 1 has a non-finite scale/));
  assert.throws(() => decodeQ8(withFloat(scales + 20, Infinity), 10), errorLike(ProtocolError, /block 2 has a non-finite scale/));
  assert.throws(() => decodeQ8(withFloat(scales, 5), 10), errorLike(ProtocolError, /block 0 has min 5 > max/));
  const other = good.slice();
  other[3] = 1;
  assert.throws(() => decodeQ8(other, 10), errorLike(ProtocolError, /codec is 'float16', expected 'q8'/));
});
