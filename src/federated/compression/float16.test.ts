import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike } from '../../engine/testing.js';
import { FLOAT16_MAX, decodeFloat16, encodeFloat16, fromFloat16Bits, toFloat16Bits } from './float16.js';
import { HEADER_BYTES } from './format.js';

/** Value of a non-negative finite half pattern, computed independently of the codec's table. */
const halfValue = (h: number): number => {
  const e = h >>> 10;
  const m = h & 0x3ff;
  return e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
};

/** Reference rounding: nearest of the sorted positive halves, ties to the even pattern; -1 on overflow. */
const referenceBits = (x: number): number => {
  const a = Math.abs(x);
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  if (a >= 65520) return -1;
  if (a >= FLOAT16_MAX) return sign | 0x7bff;
  let lo = 0;
  let hi = 0x7bff; // halfValue(lo) ≤ a < halfValue(hi)
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (halfValue(mid) <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - halfValue(lo);
  const dHi = halfValue(hi) - a;
  const h = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
};

test('known values: normals, subnormals, ties to even, signed zero, the largest half', () => {
  const cases: Array<[number, number]> = [
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [FLOAT16_MAX, 0x7bff],
    [65519, 0x7bff], // below the midpoint 65520: rounds down to the largest half
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie between 0 and 2⁻²⁴: to even (0)
    [1.5 * 2 ** -24, 0x0002], // tie between 1 and 2 units: to even (2)
    [2.5 * 2 ** -24, 0x0002], // tie between 2 and 3 units: to even (2)
    [1023.5 * 2 ** -24, 0x0400], // largest-subnormal tie rounds up into the smallest normal
    [1 + 2 ** -11, 0x3c00], // tie between 1 and 1 + 2⁻¹⁰: to even (1)
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 1 + 2⁻¹⁰ and 1 + 2⁻⁹: to even
    [0, 0x0000],
    [-0, 0x8000],
    [1e-45, 0x0000], // float32 subnormal
  ];
  for (const [x, bits] of cases) {
    assert.equal(toFloat16Bits(x), bits, `toFloat16Bits(${x})`);
  }
  assert.equal(toFloat16Bits(65520), -1);
  assert.equal(toFloat16Bits(Infinity), -1);
  assert.equal(toFloat16Bits(NaN), -1);
});

test('every finite half decodes and re-encodes to itself', () => {
  for (let h = 0; h < 65536; h++) {
    if ((h & 0x7c00) === 0x7c00) {
      assert.ok(Number.isNaN(fromFloat16Bits(h)), `pattern ${h} is Inf/NaN`);
      continue;
    }
    const v = fromFloat16Bits(h);
    assert.equal(v, (h & 0x8000) !== 0 ? -halfValue(h & 0x7fff) : halfValue(h), `value of ${h}`);
    assert.equal(toFloat16Bits(v), h, `round trip of ${h}`);
  }
});

test('rounding matches a nearest-even reference on random float32s over the whole range', () => {
  const rng = createRng(5);
  const xs = new Float32Array(200_000);
  for (let i = 0; i < xs.length; i++) {
    // log-uniform magnitudes from 2⁻²⁸ to 2¹⁶: subnormals, normals, and the overflow edge
    const mag = 2 ** (rng.next() * 44 - 28);
    xs[i] = rng.next() < 0.5 ? -mag : mag;
  }
  for (let i = 0; i < xs.length; i++) {
    assert.equal(toFloat16Bits(xs[i]), referenceBits(xs[i]), `x = ${xs[i]}`);
  }
});

test('encode/decode: 2 bytes per value, values as the nearest half, inputs untouched', () => {
  const backing = Float32Array.from([9, 1, -0.1, 3.14159, 1e-6, -65504, 0]);
  const values = backing.subarray(1); // a view at a byte offset

  const encoded = encodeFloat16(values);
  const decoded = decodeFloat16(encoded.bytes, values.length);

  assert.equal(encoded.codec, 'float16');
  assert.equal(encoded.length, 6);
  assert.equal(encoded.bytes.length, HEADER_BYTES + 12);
  assert.deepEqual(Array.from(decoded), Array.from(values, (x) => fromFloat16Bits(referenceBits(x))));
  for (let i = 0; i < values.length; i++) {
    // relative error of a normal half ≤ 2⁻¹¹; absolute ≤ 2⁻²⁵ for subnormals
    assert.ok(Math.abs(decoded[i] - values[i]) <= Math.max(Math.abs(values[i]) * 2 ** -11, 2 ** -25), `value ${i}`);
  }
  assert.deepEqual(Array.from(backing), Array.from(Float32Array.from([9, 1, -0.1, 3.14159, 1e-6, -65504, 0])));
});

test('decodes bytes at any offset in a larger buffer, aligned or not', () => {
  const x = Float32Array.from([1.5, -2, 0.25]);
  const bytes = encodeFloat16(x).bytes;
  for (const offset of [1, 2, 3]) {
    const buffer = new Uint8Array(offset + bytes.length);
    buffer.set(bytes, offset);

    assert.deepEqual(Array.from(decodeFloat16(buffer.subarray(offset), 3)), [1.5, -2, 0.25], `offset ${offset}`);
  }
});

test('encode refuses overflow and non-finite values instead of saturating', () => {
  assert.throws(() => encodeFloat16(Float32Array.from([1, 70000])), errorLike(ProtocolError, /value 1 is 70000, beyond ±65504/));
  assert.throws(() => encodeFloat16(Float32Array.from([-65520])), errorLike(ProtocolError, /value 0 is -65520/));
  assert.throws(() => encodeFloat16(Float32Array.from([NaN])), errorLike(ProtocolError, /value 0 is NaN/));
  assert.throws(() => encodeFloat16(Float32Array.from([0, -Infinity])), errorLike(ProtocolError, /value 1 is -Infinity/));
});

test('decode refuses malformed bytes with the reason', () => {
  const good = encodeFloat16(Float32Array.from([1, 2, 3])).bytes;
  const edit = (at: number, byte: number): Uint8Array => {
    const b = good.slice();
    b[at] = byte;
    return b;
  };

  assert.deepEqual(Array.from(decodeFloat16(good, 3)), [1, 2, 3]);
  assert.throws(() => decodeFloat16(good, 4), errorLike(ProtocolError, /length 3, expected 4/));
  assert.throws(() => decodeFloat16(good.subarray(0, good.length - 1), 3), errorLike(ProtocolError, /truncated, 13 bytes < 14/));
  assert.throws(() => decodeFloat16(good.subarray(0, 5), 3), errorLike(ProtocolError, /truncated header/));
  assert.throws(() => decodeFloat16(Uint8Array.from([...good, 0]), 3), errorLike(ProtocolError, /1 trailing bytes/));
  assert.throws(() => decodeFloat16(edit(0, 0), 3), errorLike(ProtocolError, /bad magic/));
  assert.throws(() => decodeFloat16(edit(2, 2), 3), errorLike(ProtocolError, /format version 2/));
  assert.throws(() => decodeFloat16(edit(3, 2), 3), errorLike(ProtocolError, /codec is 'q8', expected 'float16'/));
  assert.throws(() => decodeFloat16(edit(3, 77), 3), errorLike(ProtocolError, /unknown codec id 77/));
  const inf = edit(HEADER_BYTES + 3, 0x7c);
  inf[HEADER_BYTES + 2] = 0;
  assert.throws(() => decodeFloat16(inf, 3), errorLike(ProtocolError, /value 1 is infinite/));
  inf[HEADER_BYTES + 2] = 1;
  assert.throws(() => decodeFloat16(inf, 3), errorLike(ProtocolError, /value 1 is NaN/));
});
