import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError } from '../../errors.js';
import { makeFieldDataset } from '../fields.js';
import {
  buildMultiDigitImages,
  multiDigitsFields,
  normalizeMultiDigits,
  overlayPair,
  pairPartners,
  RESIZE_INDEX,
  unitToBytes,
  type ItemSet,
} from './multi-digits.js';

/** A 28×28 byte item with the given pixels lit: [row, column, value]. */
function item(...lit: Array<[number, number, number]>): Uint8Array {
  const out = new Uint8Array(784);
  for (const [r, c, v] of lit) out[r * 28 + c] = v;
  return out;
}

/** The lit pixels of a 28×28 output: [row, column, value], row-major. */
function litPixels(image: Uint8Array): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  image.forEach((v, k) => {
    if (v !== 0) out.push([Math.floor(k / 28), k % 28, v]);
  });
  return out;
}

test('the resize keeps canvas rows floor((k + 0.5)·36/28): rows 2, 6, 11, 15, 20, 24, 29, 33 are dropped', () => {
  // k = 0..27: floor((k + 0.5)·9/7), worked out by hand.
  const expected = [0, 1, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 28, 30, 31, 32, 34, 35];

  assert.deepEqual([...RESIZE_INDEX], expected);
});

test('pairPartners draws j = floor(u_i·N) from mulberry32, seed 0 for train and 1 for test', () => {
  // mulberry32(0) starts 0.26642920868471265, 0.00032974570058286, 0.22327202744781970,
  // 0.14620214793831110, 0.46732782293111086 (the reference C mulberry32 gives the same stream).
  assert.deepEqual([...pairPartners(5, 60000, 0)], [15985, 19, 13396, 8772, 28039]);
  assert.deepEqual([...pairPartners(5, 10, 0)], [2, 0, 2, 1, 4]);
  assert.deepEqual([...pairPartners(3, 10000, 1)], [6270, 27, 5274]);
});

test('overlayPair places single lit pixels where the canvas and the nearest-neighbour resize put them', () => {
  // Top-left item: (0,0) = 100 → canvas (0,0) → output (0,0); its max 100 is the canvas max.
  // Bottom-right item: (0,0) = 40 → canvas (6,6), a dropped row → gone;
  //   (1,1) = 50 → canvas (7,7) → output (5,5), byte-scaled floor(50·255/100 + 0.5) = 128;
  //   (27,27) = 30 → canvas (33,33), dropped; (26,26) = 20 → canvas (32,32) → output (25,25), floor(51.5) = 51.
  const a = item([0, 0, 100]);
  const b = item([0, 0, 40], [1, 1, 50], [27, 27, 30], [26, 26, 20]);
  const out = new Uint8Array(784);

  overlayPair(a, b, out);

  assert.deepEqual(litPixels(out), [
    [0, 0, 255],
    [5, 5, 128],
    [25, 25, 51],
  ]);
});

test('overlayPair takes the pixelwise max where the two items overlap, and scales by the canvas max', () => {
  // Canvas (10,10) is top-left (10,10) and bottom-right (4,4); output row/column 8 keeps canvas 10.
  const a = item([10, 10, 60]);
  const b = item([4, 4, 90], [20, 20, 180]);
  const out = new Uint8Array(784);

  overlayPair(a, b, out);

  // max(60, 90) = 90 → floor(90·255/180 + 0.5) = 128; b (20,20) → canvas (26,26) → output (20,20) → 255.
  assert.deepEqual(litPixels(out), [
    [8, 8, 128],
    [20, 20, 255],
  ]);
});

test('overlayPair leaves an all-zero canvas at 0 (no division by zero)', () => {
  const out = new Uint8Array(784).fill(7);

  overlayPair(new Uint8Array(784), new Uint8Array(784), out);

  assert.ok(out.every((v) => v === 0));
});

test('normalizeMultiDigits is (pixel/255 − 0.1307)/0.3081', () => {
  const x = normalizeMultiDigits(Uint8Array.from([0, 255, 51]));

  assert.ok(Math.abs(x[0] - -0.1307 / 0.3081) < 1e-6, String(x[0]));
  assert.ok(Math.abs(x[1] - 0.8693 / 0.3081) < 1e-6, String(x[1]));
  assert.ok(Math.abs(x[2] - (0.2 - 0.1307) / 0.3081) < 1e-6, String(x[2]));
});

test('unitToBytes rounds v·255 and recovers bytes that were divided by 255', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, v) => v);

  assert.deepEqual(unitToBytes(Float32Array.from(bytes, (v) => v / 255)), bytes);
  assert.deepEqual([...unitToBytes(Float32Array.from([0.5, 1.2, -0.1]))], [128, 255, 0]);
});

test('buildMultiDigitImages labels topLeft with item i and bottomRight with its partner, across two item sets', () => {
  // Top-left set: 4 items of classes 0..3; bottom-right set: 10 items of classes 9, 8, ..., 0.
  const top: ItemSet = { images: new Uint8Array(4 * 784).fill(1), labels: Int32Array.from([0, 1, 2, 3]), numClasses: 10 };
  const bottom: ItemSet = { images: new Uint8Array(10 * 784).fill(2), labels: Int32Array.from({ length: 10 }, (_, k) => 9 - k), numClasses: 10, classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] };

  const built = buildMultiDigitImages(top, bottom, 0);
  const ds = makeFieldDataset(multiDigitsFields(built, { topLeft: top, bottomRight: bottom }).fields, 'test');

  assert.deepEqual([...built.partners], [2, 0, 2, 1]);
  assert.deepEqual([...built.topLeft], [0, 1, 2, 3]);
  assert.deepEqual([...built.bottomRight], [7, 9, 7, 8]);
  assert.equal(ds.length, 4);
  assert.deepEqual(ds.fields.x.kind === 'float' && ds.fields.x.shape, [28, 28, 1]);
  assert.equal(ds.fields.bottomRight.kind === 'classes' && ds.fields.bottomRight.classNames?.[7], 'h');
  assert.equal(ds.fields.topLeft.kind === 'classes' && ds.fields.topLeft.classNames, undefined);
});

test('buildMultiDigitImages refuses item sets that are not whole 28×28 images', () => {
  const bad: ItemSet = { images: new Uint8Array(700), labels: Int32Array.from([0]), numClasses: 10 };

  assert.throws(() => buildMultiDigitImages(bad, bad, 0), DataMalformedError);
});
