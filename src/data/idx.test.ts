import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError, DataMalformedError, DataMissingError } from '../errors.js';
import { parseIdx } from './idx.js';
import { loadIdxPair, readIdxFile } from './files/tabular-files.js';
import { tempDirFactory, errorLike } from '../engine/testing.js';

const SIZES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** Encodes values as an IDX file of the given type code and dimensions. */
function idxBytes(type: number, dims: number[], values: number[]): Uint8Array {
  const size = SIZES[type];
  const out = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const at = 4 + 4 * dims.length;
  values.forEach((v, i) => {
    const o = at + i * size;
    if (type === 0x08) view.setUint8(o, v);
    else if (type === 0x09) view.setInt8(o, v);
    else if (type === 0x0b) view.setInt16(o, v, false);
    else if (type === 0x0c) view.setInt32(o, v, false);
    else if (type === 0x0d) view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  });
  return out;
}

const tempDir = tempDirFactory('jointly-idx-');

test('parseIdx reads a 3-d ubyte file', () => {
  const bytes = idxBytes(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);

  const { dims, data } = parseIdx(bytes, 'x.idx');

  assert.deepEqual(dims, [2, 2, 3]);
  assert.ok(data instanceof Uint8Array);
  assert.deepEqual([...data], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
});

test('parseIdx decodes every value type big-endian', () => {
  const cases: Array<[number, new (n: number) => ArrayLike<number>, number[]]> = [
    [0x09, Int8Array, [-128, -1, 0, 127]],
    [0x0b, Int16Array, [-32768, -2, 258, 32767]],
    [0x0c, Int32Array, [-2147483648, -3, 16909060, 2147483647]],
    [0x0d, Float32Array, [-1.5, 0, 0.25, 3e38]],
    [0x0e, Float64Array, [-1e300, Math.PI, 0, 1e-300]],
  ];
  for (const [type, cls, values] of cases) {
    const bytes = idxBytes(type, [4], values);

    const { dims, data } = parseIdx(bytes, 'x.idx');

    assert.deepEqual(dims, [4]);
    assert.equal(data.constructor, cls, `type 0x${type.toString(16)}`);
    assert.deepEqual([...data], type === 0x0d ? values.map(Math.fround) : values);
  }
});

test('parseIdx gunzips gzipped bytes transparently', () => {
  const bytes = gzipSync(idxBytes(0x0c, [3], [1, -2, 3]));

  const { dims, data } = parseIdx(bytes, 'x.idx.gz');

  assert.deepEqual(dims, [3]);
  assert.deepEqual([...data], [1, -2, 3]);
});

test('parseIdx rejects malformed input with the file name and the cause', () => {
  const good = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
  const badMagic = good.slice();
  badMagic[0] = 0x01;
  const badType = good.slice();
  badType[2] = 0x0a;
  const cases: Array<[Uint8Array, RegExp]> = [
    [badMagic, /bad magic number 0x01 0x00 0x08 0x02/],
    [badType, /unknown IDX type code 0x0a/],
    [good.subarray(0, good.length - 1), /truncated data.*need 6 data bytes, the file has 5/],
    [new Uint8Array([...good, 7]), /data length does not match the dimensions/],
    [good.subarray(0, 9), /truncated header/],
    [new Uint8Array([0, 0]), /too short/],
    [gzipSync(good).subarray(0, 12), /gzip/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(() => parseIdx(bytes, 'bad.idx'), errorLike(DataMalformedError, /^bad\.idx: /, pattern));
  }
});

test('readIdxFile reads plain and gzipped files and reports a missing one', () => {
  const dir = tempDir();
  const bytes = idxBytes(0x08, [2], [7, 9]);
  writeFileSync(join(dir, 'a.idx'), bytes);
  writeFileSync(join(dir, 'a.idx.gz'), gzipSync(bytes));

  const plain = readIdxFile(join(dir, 'a.idx'));
  const gz = readIdxFile(join(dir, 'a.idx.gz'));

  assert.deepEqual([...plain.data], [7, 9]);
  assert.deepEqual([...gz.data], [7, 9]);
  assert.throws(() => readIdxFile(join(dir, 'nope.idx')), errorLike(DataMissingError, /nope\.idx/));
});

test('loadIdxPair scales ubyte images by 1/255 and shapes them [rows, cols, 1]', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'images'), idxBytes(0x08, [3, 2, 2], [0, 255, 51, 102, 0, 0, 0, 0, 255, 255, 255, 255]));
  writeFileSync(join(dir, 'labels.gz'), gzipSync(idxBytes(0x08, [3], [0, 4, 2])));

  const ds = loadIdxPair(join(dir, 'images'), join(dir, 'labels.gz'));

  assert.deepEqual(ds.sampleShape, [2, 2, 1]);
  assert.deepEqual([...ds.labels], [0, 4, 2]);
  assert.equal(ds.numClasses, 5);
  assert.ok(ds.features instanceof Float32Array);
  assert.deepEqual([...ds.features.subarray(0, 4)], [0, 1, 0.2, 0.4].map(Math.fround));
  assert.equal(ds.features[11], 1);
});

test('loadIdxPair keeps other types unscaled, honours scale, and shapes samples as dims.slice(1)', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'x'), idxBytes(0x0d, [2, 3], [0.5, -1, 2, 3, 4, 5]));
  writeFileSync(join(dir, 'y'), idxBytes(0x08, [2], [0, 0]));
  writeFileSync(join(dir, 'x8'), idxBytes(0x08, [2, 3], [10, 20, 30, 40, 50, 60]));

  const unscaled = loadIdxPair(join(dir, 'x'), join(dir, 'y'));
  const scaled = loadIdxPair(join(dir, 'x8'), join(dir, 'y'), { scale: 0.1 });

  assert.deepEqual(unscaled.sampleShape, [3]);
  assert.deepEqual([...unscaled.features], [0.5, -1, 2, 3, 4, 5]);
  assert.equal(unscaled.numClasses, 2, 'at least 2 classes even when every label is 0');
  assert.deepEqual([...scaled.features], [1, 2, 3, 4, 5, 6].map(Math.fround));
});

test('loadIdxPair rejects a label count that does not match the image count', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'images'), idxBytes(0x08, [3, 2, 2], new Array(12).fill(0)));
  writeFileSync(join(dir, 'labels'), idxBytes(0x08, [2], [0, 1]));
  writeFileSync(join(dir, 'labels2d'), idxBytes(0x08, [3, 1], [0, 1, 1]));
  writeFileSync(join(dir, 'neg'), idxBytes(0x09, [3], [0, -1, 1]));
  writeFileSync(join(dir, 'good'), idxBytes(0x08, [3], [0, 1, 1]));

  assert.throws(() => loadIdxPair(join(dir, 'images'), join(dir, 'labels')), errorLike(DataMalformedError, /labels: 2 labels for 3 images/));
  assert.throws(() => loadIdxPair(join(dir, 'images'), join(dir, 'labels2d')), errorLike(DataMalformedError, /labels2d: .*1 dimension/));
  assert.throws(() => loadIdxPair(join(dir, 'images'), join(dir, 'neg')), errorLike(DataMalformedError, /neg: label -1 of sample 1/));
  assert.throws(() => loadIdxPair(join(dir, 'images'), join(dir, 'good'), { scale: NaN }), ConfigError);
  assert.throws(() => loadIdxPair(join(dir, 'missing'), join(dir, 'labels')), errorLike(DataMissingError, /missing/));
});
