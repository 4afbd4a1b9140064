/**
 * Shared checks of aggregation kernels against the reference loops (reference.ts), for the
 * blocked TypeScript kernels and the native addon's: random inputs of odd sizes that do not
 * divide the block sizes, 1 to 100 clients, ties, equal, random and zero weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import { createRng } from '../../engine/random.js';
import type { AggregationKernels } from './kernels.js';
import { REFERENCE_KERNELS } from './reference.js';

/** A case: n vectors of length d, values of varied magnitude or (ties) small integers. */
export interface KernelCase {
  /** Clients. */
  n: number;
  /** Coordinates. */
  d: number;
  /** Values from {−2, …, 2} (many ties) instead of scaled normals. */
  ties?: boolean;
}

/** Sizes around the blocks (4096 for the TypeScript means, 16384 for the native ones; tiles of 64 to 8192 coordinates; groups of 16), from 1 to 601 clients. */
export const KERNEL_CASES: readonly KernelCase[] = [
  { n: 1, d: 1 },
  { n: 1, d: 4097 },
  { n: 2, d: 7 },
  { n: 3, d: 4095 },
  { n: 4, d: 4096 },
  { n: 5, d: 8193 },
  { n: 6, d: 12_295, ties: true },
  { n: 7, d: 1000, ties: true },
  { n: 13, d: 3001 },
  { n: 9, d: 16_383 },
  { n: 6, d: 32_769 },
  { n: 100, d: 1337 },
  { n: 600, d: 37 }, // above the native rank method's 512 clients: the selection path
  { n: 601, d: 20, ties: true },
];

/** Random vectors for a case (seeded). */
export function caseVectors(c: KernelCase, seed: number): Float32Array[] {
  const rng = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Array.from({ length: c.n }, () => {
    const scale = 10 ** (rng.int(7) - 3);
    return Float32Array.from({ length: c.d }, () => (c.ties === true ? rng.int(5) - 2 : scale * normal() + rng.int(3)));
  });
}

function weightSets(n: number, seed: number): { label: string; weights: Float64Array }[] {
  const rng = createRng(seed);
  const sets = [
    { label: 'equal weights', weights: new Float64Array(n).fill(1) },
    { label: 'random example counts', weights: Float64Array.from({ length: n }, () => 1 + rng.int(500)) },
  ];
  if (n > 1) {
    const zeros = Float64Array.from({ length: n }, (_, k) => (k % 3 === 1 ? 0 : 0.5 + rng.next()));
    sets.push({ label: 'some zero weights', weights: zeros });
    const one = new Float64Array(n);
    one[n - 1] = 3;
    sets.push({ label: 'one non-zero weight', weights: one });
  }
  return sets;
}

const sum = (w: Float64Array): number => w.reduce((a, b) => a + b, 0);

/** Options of `describeKernelsAgainstReference`. */
export interface KernelCheckOptions {
  /** Skip reason (the kernels are unavailable), or false. */
  skip?: false | string;
  /** The distances are summed in the reference's order, so must match it bit for bit. Default true. */
  exactDistances?: boolean;
}

/** Registers tests comparing `kernels()` (resolved when the tests run) with the reference kernels. */
export function describeKernelsAgainstReference(label: string, kernels: () => AggregationKernels, opts: KernelCheckOptions = {}): void {
  const skip = opts.skip ?? false;
  const exactDistances = opts.exactDistances ?? true;
  KERNEL_CASES.forEach((c, index) => {
    const name = `${label}: n=${c.n}, d=${c.d}${c.ties === true ? ', ties' : ''}`;
    test(`${name}: weighted mean and update sum are the reference's, bit for bit`, { skip }, () => {
      const vectors = caseVectors(c, 100 + index);
      const global = caseVectors({ n: 1, d: c.d }, 200 + index)[0];
      for (const { label: w, weights } of weightSets(c.n, 300 + index)) {
        const expected = new Float32Array(c.d);
        REFERENCE_KERNELS.weightedMean(vectors, weights, sum(weights), expected);
        const actual = new Float32Array(c.d);
        kernels().weightedMean(vectors, weights, sum(weights), actual);
        assertClose(actual, expected, 1e-6, `weighted mean, ${w}`);
        assert.deepEqual(actual, expected, `weighted mean, ${w}: bit for bit`);

        const expectedSum = new Float64Array(c.d);
        REFERENCE_KERNELS.weightedUpdateSum(global, vectors, weights, expectedSum);
        const actualSum = new Float64Array(c.d);
        kernels().weightedUpdateSum(global, vectors, weights, actualSum);
        assertClose(actualSum, expectedSum, 1e-12, `update sum, ${w}`);
        assert.deepEqual(actualSum, expectedSum, `update sum, ${w}: bit for bit`);
      }
    });

    test(`${name}: median is the reference's, trimmed means within float32 rounding`, { skip }, () => {
      const vectors = caseVectors(c, 400 + index);
      const expected = new Float32Array(c.d);
      REFERENCE_KERNELS.coordinateMedian(vectors, expected);
      const actual = new Float32Array(c.d);
      kernels().coordinateMedian(vectors, actual);
      assert.deepEqual(actual, expected, 'median');
      for (let cut = 0; 2 * cut < c.n; cut += Math.max(1, Math.floor(c.n / 7))) {
        const want = new Float32Array(c.d);
        REFERENCE_KERNELS.trimmedMean(vectors, cut, want);
        const got = new Float32Array(c.d);
        kernels().trimmedMean(vectors, cut, got);
        assertClose(got, want, 1e-6, `trimmed mean, cut ${cut}`);
      }
    });

    test(`${name}: pairwise squared distances are the reference's${exactDistances ? ', bit for bit' : ', to float64 rounding'}`, { skip }, () => {
      const vectors = caseVectors(c, 500 + index);
      const expected = new Float64Array(c.n * c.n);
      REFERENCE_KERNELS.pairwiseSquaredDistances(vectors, expected);
      const actual = new Float64Array(c.n * c.n).fill(Number.NaN); // stale contents must not leak in
      kernels().pairwiseSquaredDistances(vectors, actual);
      assertClose(actual, expected, 1e-12, 'distances');
      for (let i = 0; i < c.n; i++) assert.equal(actual[i * c.n + i], 0, 'zero diagonal');
      for (let i = 0; i < c.n; i++) for (let j = 0; j < i; j++) assert.equal(actual[i * c.n + j], actual[j * c.n + i], 'symmetric');
      if (exactDistances) assert.deepEqual(actual, expected, 'distances: bit for bit');
    });
  });
}
