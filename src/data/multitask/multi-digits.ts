/**
 * MultiMNIST, MultiFashion and Multi-(Fashion+MNIST): two 28×28 items overlaid on one image, the
 * two-task benchmark of Sener & Koltun (NeurIPS 2018, "Multi-Task Learning as Multi-Objective
 * Optimization") and Lin et al. (NeurIPS 2019, ParetoMTL). Pure: typed arrays in, typed arrays out.
 *
 * Construction (pinned by the SHA-256s in multi-digits.test.ts): each split is paired within
 * itself, image i with partner j = floor(u_i·N), where u_i is the i-th output of mulberry32
 * (`createRng(seed).next()`, seed 0 for train and 1 for test by convention; same class and j = i
 * allowed). On a 36×36 zero canvas image i goes at rows/columns 0-27 and image j at 6-33, where they
 * overlap the pixelwise max wins. Then, as `scipy.misc.imresize(canvas, (28, 28), interp='nearest')`
 * did: byte-scale v ← floor(v·255/max + 0.5) (max over the whole canvas; an all-zero canvas stays 0)
 * and keep source rows/columns floor((k + 0.5)·36/28) for k = 0..27. The model input is
 * (pixel/255 − 0.1307)/0.3081 (the MNIST constants of the reference loader's transform).
 * Task `topLeft` is image i's class, task `bottomRight` is image j's.
 *
 * How this differs from the reference loader (isl-org/MultiObjectiveOptimization,
 * multi_task/loaders/multi_mnist_loader.py, `read_image_file`): the canvas, the positions (fixed,
 * not random: 0-27 and 6-33), the max over the overlap and the nearest-neighbour resize are the
 * same; the partner there is `np.random.permutation(N)[:1]`, an unseeded draw per image, so its
 * data cannot be rebuilt; here the draw is mulberry32, seeded, and reproducible bit for bit.
 * ParetoMTL (Xi-L/ParetoMTL) ships pre-built pickles of the three sets, made "following Sener &
 * Koltun"; its Multi-(Fashion+MNIST) puts a digit and a Fashion item on one canvas. Here the digit
 * is top-left (i indexes the digits) and the Fashion item bottom-right (j = floor(u_i·N_fashion)
 * within the matching split).
 */
import { DataMalformedError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import type { ClassesField, FieldDataset, FloatField } from '../fields.js';

/** Side of the source items and of the output images. */
export const ITEM_SIDE = 28;
/** Side of the square canvas the two items are placed on. */
export const CANVAS_SIDE = 36;
/** Row and column where the bottom-right item starts on the canvas. */
export const BOTTOM_RIGHT_OFFSET = 6;
/** Mean of the input normalization (the reference loader's `Normalize((0.1307,), (0.3081,))`). */
export const MULTI_DIGITS_MEAN = 0.1307;
/** Standard deviation of the input normalization. */
export const MULTI_DIGITS_STD = 0.3081;
/** Pairing seeds by convention: the training split is paired with seed 0, the test split with 1. */
export const PAIRING_SEEDS = { train: 0, test: 1 } as const;

const PIXELS = ITEM_SIDE * ITEM_SIDE;

/** Items of one split as bytes: `labels.length` images of 28×28 uint8 pixels, row-major. */
export interface ItemSet {
  /** 28·28 bytes per item, row-major. */
  readonly images: Uint8Array;
  /** Class of each item. */
  readonly labels: Int32Array;
  /** Number of classes (10 for MNIST and Fashion-MNIST). */
  readonly numClasses: number;
  /** Optional class names, numClasses long. */
  readonly classNames?: readonly string[];
}

/** The overlaid images of one split as bytes, with both tasks' labels. */
export interface MultiDigitImages {
  /** 28·28 bytes per image after the resize (before normalization), row-major. */
  readonly images: Uint8Array;
  /** Class of the top-left item (image i). */
  readonly topLeft: Int32Array;
  /** Class of the bottom-right item (image j). */
  readonly bottomRight: Int32Array;
  /** Index j of the bottom-right item of each image, in the bottom-right item set. */
  readonly partners: Int32Array;
}

/** Source rows/columns kept by the nearest-neighbour resize 36 → 28: floor((k + 0.5)·36/28). */
export const RESIZE_INDEX: readonly number[] = Array.from({ length: ITEM_SIDE }, (_, k) => Math.floor(((k + 0.5) * CANVAS_SIDE) / ITEM_SIDE));

/**
 * Partners j_i = floor(u_i·partnerCount) for i = 0..count−1, u_i the i-th output of mulberry32
 * seeded with `seed` (same class and j = i allowed).
 */
export function pairPartners(count: number, partnerCount: number, seed: number): Int32Array {
  if (!Number.isInteger(partnerCount) || partnerCount <= 0) {
    throw new DataMalformedError(`pairPartners: ${partnerCount} partners to draw from`, 'the bottom-right item set must hold at least one item');
  }
  const rng = createRng(seed);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(rng.next() * partnerCount);
  return out;
}

/**
 * For each output pixel (row-major), the offset of its source canvas pixel in the top-left item
 * and in the bottom-right item, or −1 where that item does not cover it: the resize keeps canvas
 * row/column RESIZE_INDEX[k], the top-left item covers canvas rows/columns 0-27, the bottom-right
 * one 6-33.
 */
const SOURCES = ((): { a: Int32Array; b: Int32Array } => {
  const a = new Int32Array(PIXELS);
  const b = new Int32Array(PIXELS);
  for (let r = 0; r < ITEM_SIDE; r++) {
    for (let c = 0; c < ITEM_SIDE; c++) {
      const R = RESIZE_INDEX[r];
      const C = RESIZE_INDEX[c];
      a[r * ITEM_SIDE + c] = R < ITEM_SIDE && C < ITEM_SIDE ? R * ITEM_SIDE + C : -1;
      const Rb = R - BOTTOM_RIGHT_OFFSET;
      const Cb = C - BOTTOM_RIGHT_OFFSET;
      b[r * ITEM_SIDE + c] = Rb >= 0 && Rb < ITEM_SIDE && Cb >= 0 && Cb < ITEM_SIDE ? Rb * ITEM_SIDE + Cb : -1;
    }
  }
  return { a, b };
})();

/**
 * scipy's bytescale with min 0 (the canvas corners are always empty): floor(v·255/max + 0.5),
 * for every max (row) and v (column) in 0..255; an all-zero canvas stays 0. v·255/max in doubles
 * reproduces the pinned hashes.
 */
const BYTESCALE = ((): Uint8Array => {
  const table = new Uint8Array(256 * 256);
  for (let max = 1; max < 256; max++) for (let v = 0; v <= max; v++) table[max * 256 + v] = Math.floor((v * 255) / max + 0.5);
  return table;
})();

/** Largest byte of a 784-byte item. */
function itemMax(item: Uint8Array): number {
  let max = 0;
  for (let k = 0; k < PIXELS; k++) if (item[k] > max) max = item[k];
  return max;
}

/**
 * Overlays two 28×28 byte items (top-left `a`, bottom-right `b`) on the 36×36 zero canvas
 * (pixelwise max where they overlap) and writes the byte-scaled nearest-neighbour 28×28 resize into
 * `out` (784 bytes). The canvas is not materialized: each output pixel reads its source pixel from
 * the items directly, and the canvas max is the larger of the items' maxima (`maxA`, `maxB`, computed
 * when not given).
 */
export function overlayPair(a: Uint8Array, b: Uint8Array, out: Uint8Array, maxA: number = itemMax(a), maxB: number = itemMax(b)): void {
  const row = (maxA > maxB ? maxA : maxB) * 256;
  const { a: fromA, b: fromB } = SOURCES;
  for (let k = 0; k < PIXELS; k++) {
    const ia = fromA[k];
    const ib = fromB[k];
    const va = ia < 0 ? 0 : a[ia];
    const vb = ib < 0 ? 0 : b[ib];
    out[k] = BYTESCALE[row + (va > vb ? va : vb)];
  }
}

/** The largest byte of each item of a set. */
function itemMaxima(items: ItemSet): Uint8Array {
  const out = new Uint8Array(items.labels.length);
  for (let i = 0; i < out.length; i++) out[i] = itemMax(items.images.subarray(i * PIXELS, (i + 1) * PIXELS));
  return out;
}

/** Checks that an item set holds whole 28×28 byte images, one label each. */
function checkItems(items: ItemSet, what: string): void {
  if (items.images.length !== items.labels.length * PIXELS) {
    throw new DataMalformedError(`${what}: ${items.images.length} bytes for ${items.labels.length} items of 28×28 pixels`, 'give 784 bytes per item, row-major');
  }
  if (items.labels.length === 0) throw new DataMalformedError(`${what}: no items`, 'give at least one item');
}

/**
 * The overlaid images of one split: top-left item i of `topLeft` with bottom-right item
 * j = floor(u_i·N) of `bottomRight` (pass the same set twice for MultiMNIST/MultiFashion).
 */
export function buildMultiDigitImages(topLeft: ItemSet, bottomRight: ItemSet, seed: number): MultiDigitImages {
  checkItems(topLeft, 'top-left items');
  checkItems(bottomRight, 'bottom-right items');
  const n = topLeft.labels.length;
  const partners = pairPartners(n, bottomRight.labels.length, seed);
  const images = new Uint8Array(n * PIXELS);
  const maxA = itemMaxima(topLeft);
  const maxB = bottomRight === topLeft ? maxA : itemMaxima(bottomRight);
  const right = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = partners[i];
    const a = topLeft.images.subarray(i * PIXELS, (i + 1) * PIXELS);
    const b = bottomRight.images.subarray(j * PIXELS, (j + 1) * PIXELS);
    overlayPair(a, b, images.subarray(i * PIXELS, (i + 1) * PIXELS), maxA[i], maxB[j]);
    right[i] = bottomRight.labels[j];
  }
  return { images, topLeft: topLeft.labels.slice(), bottomRight: right, partners };
}

/** Byte value → model input, (v/255 − 0.1307)/0.3081, for v = 0..255. */
const NORMALIZED = Float32Array.from({ length: 256 }, (_, v) => (v / 255 - MULTI_DIGITS_MEAN) / MULTI_DIGITS_STD);

/** The model input of byte images: (pixel/255 − 0.1307)/0.3081. */
export function normalizeMultiDigits(images: Uint8Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let k = 0; k < images.length; k++) out[k] = NORMALIZED[images[k]];
  return out;
}

/** The normalized input of the images at `indices`, in that order (gather and normalize in one pass). */
function normalizedRows(images: Uint8Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * PIXELS);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i] * PIXELS;
    const to = i * PIXELS;
    for (let k = 0; k < PIXELS; k++) out[to + k] = NORMALIZED[images[from + k]];
  }
  return out;
}

/**
 * Floats in [0, 1] (the `mnist` package's digits, or `loadFashionMnist`'s pixels) as bytes:
 * round(v·255), clamped to [0, 255]. Exact for values that were bytes divided by 255.
 */
export function unitToBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = Math.min(255, Math.max(0, Math.round(values[k] * 255)));
  return out;
}

/**
 * The multi-task dataset of one split: float input `x` [28, 28, 1] (normalized) and the class
 * targets `topLeft` and `bottomRight`, each with the class names of its item set. With `indices`,
 * only those images, in that order (without building the whole split first).
 */
export function multiDigitsFields(built: MultiDigitImages, classes: { topLeft: ItemSet; bottomRight: ItemSet }, indices?: ArrayLike<number>): FieldDataset {
  const values = indices === undefined ? normalizeMultiDigits(built.images) : normalizedRows(built.images, indices);
  const x: FloatField = { kind: 'float', values, shape: [ITEM_SIDE, ITEM_SIDE, 1] };
  const pick = (labels: Int32Array): Int32Array => (indices === undefined ? labels : Int32Array.from(indices, (i) => labels[i]));
  const target = (labels: Int32Array, items: ItemSet): ClassesField => ({
    kind: 'classes',
    labels: pick(labels),
    numClasses: items.numClasses,
    ...(items.classNames === undefined ? {} : { classNames: items.classNames }),
  });
  const length = indices === undefined ? built.topLeft.length : indices.length;
  return { length, fields: { x, topLeft: target(built.topLeft, classes.topLeft), bottomRight: target(built.bottomRight, classes.bottomRight) } };
}
