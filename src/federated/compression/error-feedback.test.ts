import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeMismatchError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike } from '../../engine/testing.js';
import { encodeWithErrorFeedback } from './error-feedback.js';
import { float16Codec } from './float16.js';
import { q8Codec } from './q8.js';
import { topKCodec } from './topk.js';

const norm = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
};

/** Rounds of updates Δₜ = μ + noise, where μ has coordinates of very different sizes (like gradients). */
function updates(d: number, rounds: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  const mu = Float64Array.from({ length: d }, (_, i) => 0.01 * (1 + (i % 50)) * (i % 2 === 0 ? 1 : -1));
  return Array.from({ length: rounds }, () => Float32Array.from(mu, (m) => m + 0.2 * (rng.next() - 0.5)));
}

test('top-k with error feedback: the sum of decoded updates tracks the sum of true updates; the residual stays bounded', () => {
  const d = 1000;
  const rounds = 600;
  const codec = topKCodec({ fraction: 0.02 });
  const all = updates(d, rounds, 1);
  const trueSum = new Float64Array(d);
  const sentEF = new Float64Array(d);
  const sentPlain = new Float64Array(d);
  const residualNorms: number[] = [];
  let residual: Float64Array | undefined;

  for (const update of all) {
    const out = encodeWithErrorFeedback(update, residual, codec);
    residual = out.residual;
    residualNorms.push(norm(residual));
    const plain = codec.decode(codec.encode(update).bytes, d);
    for (let i = 0; i < d; i++) {
      trueSum[i] += update[i];
      sentEF[i] += out.decoded[i];
      sentPlain[i] += plain[i];
    }
  }

  const gap = (sent: Float64Array): number => norm(sent.map((s, i) => s - trueSum[i])) / norm(trueSum);
  // Nothing is lost: Σ decoded = Σ Δ − e_T, up to float64 rounding.
  const identity = norm(sentEF.map((s, i) => s + (residual as Float64Array)[i] - trueSum[i]));
  assert.ok(identity < 1e-9, `Σ decoded + residual − Σ Δ = ${identity}`);
  // Bounded: the residual of the last 200 rounds is no larger than that of rounds 200–400.
  const peak = (from: number, to: number): number => Math.max(...residualNorms.slice(from, to));
  assert.ok(peak(400, 600) <= 1.1 * peak(200, 400), `residual grows: ${peak(200, 400)} then ${peak(400, 600)}`);
  // So the relative gap shrinks like 1/T with feedback, and stays large without it.
  assert.ok(gap(sentEF) < 0.06, `with error feedback: relative gap ${gap(sentEF)}`);
  assert.ok(gap(sentPlain) > 0.5, `without: relative gap ${gap(sentPlain)}`);
});

test('works with any codec: q8 and float16 residuals stay within one quantization step', () => {
  const d = 500;
  const all = updates(d, 50, 2);
  for (const codec of [q8Codec({ random: createRng(3) }), float16Codec]) {
    let residual: Float64Array | undefined;
    let worst = 0;
    for (const update of all) {
      residual = encodeWithErrorFeedback(update, residual, codec).residual;
      for (let i = 0; i < d; i++) worst = Math.max(worst, Math.abs(residual[i]));
    }
    // q8: one level of a block whose range is ≤ ~1.2 is < 0.005; float16: far smaller
    assert.ok(worst < 0.005, `${codec.name}: max |residual| ${worst}`);
  }
});

test('does not modify its inputs; refuses a residual of another length; an empty residual starts over', () => {
  const update = Float32Array.from([3, -1, 0.5, 2]);
  const residual = Float64Array.from([0.5, 0, 0, -2]);
  const codec = topKCodec({ count: 1 });

  const out = encodeWithErrorFeedback(update, residual, codec);

  // update + residual = (3.5, −1, 0.5, 0): sends 3.5 at 0, keeps the rest
  assert.deepEqual(Array.from(out.decoded), [3.5, 0, 0, 0]);
  assert.deepEqual(Array.from(out.residual), [0, -1, 0.5, 0]);
  assert.equal(out.encoded.codec, 'topk');
  assert.deepEqual(Array.from(update), [3, -1, 0.5, 2]);
  assert.deepEqual(Array.from(residual), [0.5, 0, 0, -2]);
  assert.deepEqual(Array.from(encodeWithErrorFeedback(update, new Float64Array(0), codec).residual), [0, -1, 0.5, 2]);
  assert.throws(() => encodeWithErrorFeedback(update, new Float64Array(3), codec), errorLike(ShapeMismatchError, /residual has 3 values, the update 4/));
});
