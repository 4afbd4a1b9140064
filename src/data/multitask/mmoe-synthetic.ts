/**
 * The synthetic two-task regression benchmark of Ma et al., "Modeling Task Relationships in
 * Multi-task Learning with Multi-gate Mixture-of-Experts" (KDD 2018), section 4.1, where the
 * correlation of the two tasks is a parameter. Pure: seeded typed arrays, no tfjs.
 *
 * The steps of section 4.1:
 * 1. u1, u2: orthogonal unit vectors in R^d (here Gram-Schmidt of two standard Gaussian vectors);
 * 2. w1 = c·u1, w2 = c·(p·u1 + √(1−p²)·u2), with the scale c and the task correlation p ∈ [−1, 1];
 * 3. x ∈ R^d with every element from N(0, 1);
 * 4. y_t = w_tᵀx + Σ_{i=1}^{m} sin(α_i·w_tᵀx + β_i) + ε_t for t = 1, 2, with ε_t ~ N(0, 0.01)
 *    i.i.d.; α_i, β_i (i = 1..m) are "given parameters that control the shape of the sinusoidal
 *    functions", the SAME for both tasks (so that the tasks differ only through w1 and w2, and the
 *    cosine similarity of w1 and w2 is p); here they are drawn once per dataset from N(0, 0.01).
 * 5. repeat 3 and 4 for every sample.
 * N(0, 0.01) is read as variance 0.01 (standard deviation 0.1). The Pearson correlation of y1 and
 * y2 is close to p (not equal: the sinusoids and the noise perturb it), and rises with p.
 */
import { ConfigError } from '../../errors.js';
import { createRng, deriveSeed, type Rng } from '../../engine/random.js';
import type { FieldDataset, FloatField, RegressionField } from '../fields.js';

/** Options of the benchmark; defaults as in the paper. */
export interface MmoeSyntheticOptions {
  /** Number of samples to draw. */
  samples: number;
  /** Task correlation p, in [−1, 1] (the cosine of the angle between w1 and w2). */
  correlation: number;
  /** Input dimension d. Default 100. */
  dimension?: number;
  /** Scale c of the weight vectors. Default 1. */
  scale?: number;
  /** Number m of sinusoids. Default 10. */
  sinusoids?: number;
  /** Variance of α_i and β_i. Default 0.01. */
  shapeVariance?: number;
  /** Variance of the label noise ε_t. Default 0.01. */
  noiseVariance?: number;
  /** Seed of everything (weights, α, β, inputs, noise). */
  seed: number;
}

/** The parameters shared by all samples of one benchmark instance. */
export interface MmoeSyntheticParameters {
  /** w1, d values. */
  readonly w1: Float64Array;
  /** w2, d values. */
  readonly w2: Float64Array;
  /** α_1..α_m. */
  readonly alpha: Float64Array;
  /** β_1..β_m. */
  readonly beta: Float64Array;
}

/** Task names of the benchmark, in field order. */
export const MMOE_SYNTHETIC_TASKS = ['y1', 'y2'] as const;

/** A stream of standard normals by Box-Muller over a uniform generator (both values of each pair used). */
export function gaussianStream(rng: Rng): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    // 1 − u is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
    const theta = 2 * Math.PI * rng.next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** Scales a vector to unit length in place. */
function normalize(v: Float64Array): Float64Array {
  const norm = Math.sqrt(dot(v, v));
  for (let k = 0; k < v.length; k++) v[k] /= norm;
  return v;
}

/** Checks the options and fills in the paper's defaults. */
function resolve(opts: MmoeSyntheticOptions): Required<MmoeSyntheticOptions> {
  const full = { dimension: 100, scale: 1, sinusoids: 10, shapeVariance: 0.01, noiseVariance: 0.01, ...opts };
  if (!(full.correlation >= -1 && full.correlation <= 1)) throw new ConfigError('correlation', `must be in [-1, 1], got ${full.correlation}`);
  if (!Number.isInteger(full.dimension) || full.dimension < 2) throw new ConfigError('dimension', `must be an integer of at least 2 (two orthogonal vectors), got ${full.dimension}`);
  if (!Number.isInteger(full.samples) || full.samples < 1) throw new ConfigError('samples', `must be a positive integer, got ${full.samples}`);
  if (!Number.isInteger(full.sinusoids) || full.sinusoids < 0) throw new ConfigError('sinusoids', `must be a non-negative integer, got ${full.sinusoids}`);
  for (const key of ['scale', 'shapeVariance', 'noiseVariance'] as const) {
    if (!(Number.isFinite(full[key]) && full[key] >= 0)) throw new ConfigError(key, `must be a finite number of at least 0, got ${full[key]}`);
  }
  return full;
}

/** Steps 1-2 and the sinusoid parameters: w1, w2, α, β, seeded by `opts.seed`. */
export function mmoeSyntheticParameters(opts: MmoeSyntheticOptions): MmoeSyntheticParameters {
  const o = resolve(opts);
  const normal = gaussianStream(createRng(deriveSeed(o.seed, 'mmoe-synthetic/parameters')));
  const d = o.dimension;
  const u1 = normalize(Float64Array.from({ length: d }, normal));
  // Gram-Schmidt: remove u1's component from a second Gaussian vector.
  const u2 = Float64Array.from({ length: d }, normal);
  const along = dot(u2, u1);
  for (let k = 0; k < d; k++) u2[k] -= along * u1[k];
  normalize(u2);
  const p = o.correlation;
  const q = Math.sqrt(1 - p * p);
  const w1 = Float64Array.from(u1, (v) => o.scale * v);
  const w2 = Float64Array.from(u1, (v, k) => o.scale * (p * v + q * u2[k]));
  const sd = Math.sqrt(o.shapeVariance);
  const alpha = Float64Array.from({ length: o.sinusoids }, () => sd * normal());
  const beta = Float64Array.from({ length: o.sinusoids }, () => sd * normal());
  return { w1, w2, alpha, beta };
}

/** Step 4 for one projection z = w_tᵀx: z + Σ sin(α_i z + β_i), before the noise. */
function response(z: number, params: MmoeSyntheticParameters): number {
  let y = z;
  for (let i = 0; i < params.alpha.length; i++) y += Math.sin(params.alpha[i] * z + params.beta[i]);
  return y;
}

/**
 * The benchmark as fields: float input `x` [d] and the regression targets `y1`, `y2` (width 1),
 * `opts.samples` samples; returns the parameters too (for tests and reports).
 */
export function mmoeSynthetic(opts: MmoeSyntheticOptions): { data: FieldDataset; params: MmoeSyntheticParameters } {
  const o = resolve(opts);
  const params = mmoeSyntheticParameters(o);
  const normal = gaussianStream(createRng(deriveSeed(o.seed, 'mmoe-synthetic/samples')));
  const d = o.dimension;
  const n = o.samples;
  const noise = Math.sqrt(o.noiseVariance);
  const x = new Float32Array(n * d);
  const y1 = new Float32Array(n);
  const y2 = new Float32Array(n);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) row[k] = normal();
    x.set(row, i * d);
    y1[i] = response(dot(params.w1, row), params) + noise * normal();
    y2[i] = response(dot(params.w2, row), params) + noise * normal();
  }
  const input: FloatField = { kind: 'float', values: x, shape: [d] };
  const target = (values: Float32Array): RegressionField => ({ kind: 'regression', values, width: 1 });
  return { data: { length: n, fields: { x: input, y1: target(y1), y2: target(y2) } }, params };
}
