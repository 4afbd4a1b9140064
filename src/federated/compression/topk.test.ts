import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ProtocolError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { HEADER_BYTES } from './format.js';
import { decodeTopK, encodeTopK, topKCodec, topKCount, topKIndices } from './topk.js';

/** Reference: sort indices by |x| descending, ties by index, take k, sort increasing. */
const referenceIndices = (x: Float32Array, k: number): number[] =>
  Array.from(x.keys())
    .sort((a, b) => Math.abs(x[b]) - Math.abs(x[a]) || a - b)
    .slice(0, k)
    .sort((a, b) => a - b);

test('keeps the k largest magnitudes, zeros elsewhere; ties go to lower indices', () => {
  const x = Float32Array.from([0.1, -5, 2, 0, 3, -3, 0.2]);

  const decoded = decodeTopK(encodeTopK(x, { count: 3 }).bytes, 7);

  // |x| sorted: 5 (1), 3 (4), 3 (5), 2 (2): the three largest are indices 1, 4, 5
  assert.deepEqual(Array.from(decoded), [0, -5, 0, 0, 3, -3, 0]);
  assert.deepEqual(Array.from(topKIndices(x, 2)), [1, 4], 'tie between 4 and 5 goes to 4');
});

test('selection matches a sort-based reference, with many ties and signed zeros', () => {
  const rng = createRng(8);
  for (const d of [1, 7, 100, 5000]) {
    const x = new Float32Array(d);
    for (let i = 0; i < d; i++) x[i] = rng.next() < 0.3 ? (rng.next() < 0.5 ? -0 : 0) : Math.round((rng.next() - 0.5) * 20) / 4;
    for (const k of [0, 1, Math.ceil(d / 10), d]) {
      assert.deepEqual(Array.from(topKIndices(x, k)), referenceIndices(x, k), `d = ${d}, k = ${k}`);
    }
  }
});

test('k from a fraction rounds up, from a count caps at the length; bad k refused', () => {
  assert.equal(topKCount(1000, { fraction: 0.01 }), 10);
  assert.equal(topKCount(1001, { fraction: 0.01 }), 11);
  assert.equal(topKCount(5, { fraction: 1 }), 5);
  assert.equal(topKCount(5, { count: 10 }), 5);
  assert.equal(topKCount(5, { count: 0 }), 0);
  assert.throws(() => topKCount(5, { fraction: 0 }), errorLike(ConfigError, /fraction: must be a number in \(0, 1\]/));
  assert.throws(() => topKCount(5, { fraction: 1.5 }), ConfigError);
  assert.throws(() => topKCodec({ count: -1 }), errorLike(ConfigError, /count: must be an integer ≥ 0/));
  assert.throws(() => topKCodec({ count: 1.5 }), ConfigError);
});

test('size: header, k, 4 bytes per value, one varint per gap (1 byte below 128, 3 bytes at 2²⁰)', () => {
  const d = 3_000_000;
  const x = new Float32Array(d);
  x[5] = 1;
  x[100] = -2; // gap 95: 1 byte
  x[300] = 3; // gap 200: 2 bytes
  x[2_000_000] = 4; // gap ~2·10⁶: 3 bytes

  const encoded = encodeTopK(x, { count: 4 });
  const decoded = decodeTopK(encoded.bytes, d);

  assert.equal(encoded.bytes.length, HEADER_BYTES + 4 + 16 + (1 + 1 + 2 + 3));
  assert.deepEqual([decoded[5], decoded[100], decoded[300], decoded[2_000_000]], [1, -2, 3, 4]);
  let nonzero = 0;
  for (let i = 0; i < d; i++) if (decoded[i] !== 0) nonzero++;
  assert.equal(nonzero, 4);
});

test('round trip of random vectors keeps exactly the top entries at float32 precision', () => {
  const x = randomValues(20_000, 4);
  const codec = topKCodec({ fraction: 0.05 });

  const decoded = codec.decode(codec.encode(x).bytes, x.length);

  const kept = new Set(referenceIndices(x, 1000));
  for (let i = 0; i < x.length; i++) assert.equal(decoded[i], kept.has(i) ? x[i] : 0, `entry ${i}`);
});

test('encode refuses non-finite values', () => {
  assert.throws(() => encodeTopK(Float32Array.from([1, NaN]), { count: 1 }), errorLike(ProtocolError, /value 1 is NaN/));
  assert.throws(() => encodeTopK(Float32Array.from([Infinity]), { count: 1 }), errorLike(ProtocolError, /value 0 is Infinity/));
});

test('decode refuses malformed bytes with the reason', () => {
  const x = Float32Array.from([0, 5, 0, 7, 0]);
  const good = encodeTopK(x, { count: 2 }).bytes; // values at 12..19, gaps 2, 2 at 20, 21
  const edit = (at: number, byte: number): Uint8Array => {
    const b = good.slice();
    b[at] = byte;
    return b;
  };
  const withK = (k: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(HEADER_BYTES, k, true);
    return b;
  };
  const withValue = (v: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setFloat32(HEADER_BYTES + 4, v, true); // entry 0
    return b;
  };

  assert.equal(good.length, 22);
  assert.deepEqual(Array.from(decodeTopK(good, 5)), [0, 5, 0, 7, 0]);
  assert.throws(() => decodeTopK(good, 6), errorLike(ProtocolError, /length 5, expected 6/));
  assert.throws(() => decodeTopK(edit(21, 0), 5), errorLike(ProtocolError, /not strictly increasing at entry 1 \(repeats 1\)/));
  assert.throws(() => decodeTopK(edit(21, 4), 5), errorLike(ProtocolError, /index 5 of entry 1 is out of range for length 5/));
  assert.throws(() => decodeTopK(withK(6), 5), errorLike(ProtocolError, /6 entries for length 5/));
  assert.throws(() => decodeTopK(withK(3), 5), errorLike(ProtocolError, /truncated, 22 bytes < 27/));
  assert.throws(() => decodeTopK(withK(1), 5), errorLike(ProtocolError, /compressed update \(topk\)/)); // the second value's bytes read as gaps
  assert.throws(() => decodeTopK(good.subarray(0, 21), 5), errorLike(ProtocolError, /truncated/));
  assert.throws(() => decodeTopK(good.subarray(0, 10), 5), errorLike(ProtocolError, /no count/));
  assert.throws(() => decodeTopK(edit(21, 0x82), 5), errorLike(ProtocolError, /truncated in index 1/)); // the last byte says more follows
  assert.throws(() => decodeTopK(Uint8Array.from([...good, 9]), 5), errorLike(ProtocolError, /1 trailing bytes after the indices/));
  assert.throws(() => decodeTopK(withValue(NaN), 5), errorLike(ProtocolError, /value of entry 0 \(index 1\) is NaN/));
  const overlong = Uint8Array.from([...good.subarray(0, 20), 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x02]);
  assert.throws(() => decodeTopK(overlong, 5), errorLike(ProtocolError, /index 0 has an overlong varint/));
  const empty = encodeTopK(x, { count: 0 }).bytes;
  assert.equal(empty.length, HEADER_BYTES + 4);
  assert.deepEqual(Array.from(decodeTopK(empty, 5)), [0, 0, 0, 0, 0]);
});
