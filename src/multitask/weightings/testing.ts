/**
 * Test helpers of the multi-task weightings (a test helper file: not in the package). Small
 * builders of Jacobians and step info, and `gradientMethodContract`, the degenerate-case checks
 * every gradient method must pass (contract.test.ts runs it on every gradient method of the
 * registry), and `lossValueAndGrads`, a loss weighting's value and gradients as training takes them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../../errors.js';
import { jacobianOf, type Jacobian } from '../jacobian/jacobian.js';
import type { GradientMethod, LossWeighting, RegisteredWeighting, WeightingStep } from '../weighting.js';

/** A step position for tests: the first step of a one-epoch, one-step run. */
export const at: WeightingStep = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: 1 };

/** A Jacobian from rows given as plain arrays. */
export const J = (...r: number[][]): Jacobian => jacobianOf(r.map((x) => Float32Array.from(x)));

/** `m` labelled flags, all true. */
export const all = (m: number): boolean[] => new Array<boolean>(m).fill(true);

/** `m` ones (losses or weights). */
export const ones = (m: number): number[] => new Array<number>(m).fill(1);

/** Asserts equal lengths and every entry within the absolute tolerance `tol` (NaN fails). */
export function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `entry ${i}: ${actual[i]} vs ${expected[i]}`);
}

/**
 * A fresh gradient method from its registry entry: `options` parsed by the method's schema,
 * tasks `a`, `b`, `c` and seed 7 unless given. Fails the test if the method is not a gradient method.
 */
export function makeGradientMethod(registered: RegisteredWeighting, options: unknown = {}, tasks = ['a', 'b', 'c'], seed = 7): GradientMethod {
  const method = registered.create(registered.options.parse(options), { tasks, seed });
  assert.equal(method.kind, 'gradient');
  return method as GradientMethod;
}

/** Options of `gradientMethodContract`. */
export interface GradientContractOptions {
  /** Method options (unparsed) every check creates the method with. Default `{}` (the method's defaults). */
  readonly options?: unknown;
}

/**
 * Registers (inside a `describe` named after the method) the degenerate-case checks every
 * gradient method must pass: registered as a representation-capable gradient method with strict
 * options; one task gives its own gradient; an unlabelled task (all-zero row) gets weight 0 and
 * changes nothing; one labelled task gives its gradient; no labelled task and all-zero rows give a
 * finite zero direction; identical rows give a finite direction along the common row; a wrong
 * number of labelled flags throws ShapeMismatchError.
 */
export function gradientMethodContract(registered: RegisteredWeighting, contract: GradientContractOptions = {}): void {
  const make = (tasks?: string[]): GradientMethod => makeGradientMethod(registered, contract.options ?? {}, tasks);
  describe(`${registered.name}: degenerate cases`, () => {
    test('registered as a gradient method with defaulted, strict options', () => {
      assert.equal(registered.kind, 'gradient');
      assert.equal(registered.representation, true);
      assert.throws(() => registered.options.parse({ nope: 1 }));
    });
    test('a single task: the direction is its gradient', () => {
      const r = make(['a']).aggregate(J([1, -2, 3]), { losses: [0.5], labelled: [true], at });
      close(r.direction, [1, -2, 3], 0);
    });
    test('an unlabelled task gets weight 0 and changes nothing', () => {
      const rows = [[1, 0, 2], [0.5, -1, 0]];
      const without = make(['a', 'b']).aggregate(J(...rows), { losses: [1, 2], labelled: [true, true], at });
      const withZero = make(['a', 'b', 'c']).aggregate(J(rows[0], [0, 0, 0], rows[1]), { losses: [1, 0, 2], labelled: [true, false, true], at });
      close(withZero.direction, without.direction, 1e-6);
      if (withZero.weights !== undefined) assert.equal(withZero.weights[1], 0);
    });
    test('only one labelled task: its gradient', () => {
      const r = make().aggregate(J([0, 0], [3, 4], [0, 0]), { losses: [0, 1, 0], labelled: [false, true, false], at });
      close(r.direction, [3, 4], 0);
    });
    test('no labelled task: a zero direction', () => {
      const r = make().aggregate(J([0, 0], [0, 0], [0, 0]), { losses: [0, 0, 0], labelled: [false, false, false], at });
      close(r.direction, [0, 0], 0);
    });
    test('all rows zero: a finite zero direction', () => {
      const r = make().aggregate(J([0, 0], [0, 0], [0, 0]), { losses: [1, 1, 1], labelled: all(3), at });
      close(r.direction, [0, 0], 0);
      assert.ok((r.weights ?? ones(3)).every(Number.isFinite));
    });
    test('identical rows: finite, along the common row', () => {
      const r = make().aggregate(J([1, 2], [1, 2], [1, 2]), { losses: [1, 1, 1], labelled: all(3), at });
      assert.ok(Array.from(r.direction).every(Number.isFinite));
      assert.ok(r.direction[0] > 0 && Math.abs(r.direction[1] - 2 * r.direction[0]) < 1e-5);
    });
    test('a labelled flag per row is required', () => {
      assert.throws(() => make().aggregate(J([1], [2], [3]), { losses: [1, 1, 1], labelled: [true, true], at }), ShapeMismatchError);
    });
  });
}

/**
 * The combined loss of a loss weighting and its gradient on each task loss at the given values,
 * as the trainer takes it (tf.variableGrads): loss i is θᵢ + valueᵢ with θᵢ = 0 a variable, so
 * ∂C/∂θᵢ = ∂C/∂Lᵢ (0 when C does not depend on it). Frees every tensor it makes.
 */
export function lossValueAndGrads(w: LossWeighting, values: number[], labelled: boolean[], at: WeightingStep): { value: number; grads: number[] } {
  const thetas = values.map(() => tf.tidy(() => tf.variable(tf.scalar(0))));
  try {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => w.combine(thetas.map((t, i) => tf.add(t, values[i]) as tf.Scalar), labelled, at), thetas);
      return { value: value.dataSync()[0], grads: thetas.map((t) => (grads[t.name] === undefined ? 0 : grads[t.name].dataSync()[0])) };
    });
  } finally {
    for (const t of thetas) t.dispose();
  }
}
