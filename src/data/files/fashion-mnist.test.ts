import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataMalformedError, DataMissingError } from '../../errors.js';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist } from './fashion-mnist.js';
import { tempDirFactory, errorLike } from '../../engine/testing.js';

const tempDir = tempDirFactory('jointly-fashion-');

/** Encodes bytes as a ubyte IDX file of the given dimensions. */
function ubyteIdx(dims: number[], values: ArrayLike<number>): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...header, ...Array.from(values)]);
}

/** Writes a tiny synthetic Fashion-MNIST set (28x28 images, pixel value = label * 10) into `dir`. */
function writeTinySet(dir: string, sizes: { train: number[]; test: number[] }): void {
  for (const [prefix, labels] of [['train', sizes.train], ['t10k', sizes.test]] as const) {
    const pixels = new Uint8Array(labels.length * 784);
    labels.forEach((y, i) => pixels.fill(y * 10, i * 784, (i + 1) * 784));
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), ubyteIdx([labels.length, 28, 28], pixels));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), ubyteIdx([labels.length], labels));
  }
}

test('loadFashionMnist reads a tiny uncompressed IDX set with the Fashion-MNIST class names', () => {
  const dir = tempDir();
  writeTinySet(dir, { train: [0, 9, 3], test: [7, 1] });

  const { train, test: testSet } = loadFashionMnist(dir);

  assert.deepEqual([...train.labels], [0, 9, 3]);
  assert.deepEqual([...testSet.labels], [7, 1]);
  assert.deepEqual(train.sampleShape, [28, 28, 1]);
  assert.equal(train.numClasses, 10);
  assert.equal(testSet.numClasses, 10, 'always 10 classes, even when the labels present stop at 7');
  assert.equal(train.classNames?.[0], 'T-shirt/top');
  assert.equal(train.classNames?.[9], 'Ankle boot');
  assert.equal(train.features[784], Math.fround(90 / 255));
  assert.equal(testSet.features[0], Math.fround(70 / 255));
});

test('loadFashionMnist accepts a mix of gzipped and plain files', () => {
  const dir = tempDir();
  writeTinySet(dir, { train: [1, 2], test: [3] });
  const labels = join(dir, 't10k-labels-idx1-ubyte');
  writeFileSync(`${labels}.gz`, gzipSync(ubyteIdx([1], [3])));
  rmSync(labels);

  const { test: testSet } = loadFashionMnist(dir);

  assert.deepEqual([...testSet.labels], [3]);
});

test('loadFashionMnist names the directory and the missing files, with an install hint', () => {
  const empty = tempDir();
  const partial = tempDir();
  writeTinySet(partial, { train: [1, 2], test: [3] });
  rmSync(join(partial, 't10k-images-idx3-ubyte'));
  const absent = join(empty, 'no-such-dir');

  const hint = (err: unknown): boolean => /apt-get install dataset-fashion-mnist.*--data-dir/.test((err as DataMissingError).hint ?? '');

  assert.throws(() => loadFashionMnist(absent), errorLike(DataMissingError, /no-such-dir/, /train-images-idx3-ubyte/));
  assert.throws(() => loadFashionMnist(absent), hint);
  assert.throws(
    () => loadFashionMnist(empty),
    errorLike(DataMissingError, new RegExp(empty), /train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], t10k-images/),
  );
  assert.throws(() => loadFashionMnist(partial), errorLike(DataMissingError, /missing in .*: t10k-images-idx3-ubyte\[\.gz\]$/));
  assert.throws(() => loadFashionMnist(partial), hint);
});

test('loadFashionMnist rejects images that are not 28x28 and labels above 9', () => {
  const small = tempDir();
  writeTinySet(small, { train: [1, 2], test: [3] });
  writeFileSync(join(small, 'train-images-idx3-ubyte'), ubyteIdx([2, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0]));
  const many = tempDir();
  writeTinySet(many, { train: [1, 12], test: [3] });

  assert.throws(() => loadFashionMnist(small), errorLike(DataMalformedError, /train-images-idx3-ubyte: images of shape \[2, 2, 1\]/));
  assert.throws(() => loadFashionMnist(many), errorLike(DataMalformedError, /labels go up to 12/));
});

test('loadFashionMnist reads the installed Fashion-MNIST files', (t) => {
  if (!existsSync(join(DEFAULT_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')) && !existsSync(join(DEFAULT_FASHION_MNIST_DIR, 'train-images-idx3-ubyte'))) {
    t.skip(`Fashion-MNIST is not installed in ${DEFAULT_FASHION_MNIST_DIR}`);
    return;
  }

  const { train, test: testSet } = loadFashionMnist();

  assert.equal(train.labels.length, 60000);
  assert.equal(testSet.labels.length, 10000);
  assert.deepEqual(train.sampleShape, [28, 28, 1]);
  const counts = new Array<number>(10).fill(0);
  for (const y of testSet.labels) counts[y]++;
  assert.deepEqual(counts, new Array(10).fill(1000), 'the test set has 1000 images per class');
  let max = 0;
  for (const v of train.features.subarray(0, 784 * 100)) max = Math.max(max, v);
  assert.ok(max <= 1 && max > 0.9, `pixels scaled to [0, 1], max ${max}`);
});
