import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gradvac as METHOD } from './gradvac.js';
import { all, at, close, J, makeGradientMethod } from './testing.js';

// The degenerate cases every gradient method shares are in contract.test.ts.
const make = (options: unknown = {}, tasks = ['a', 'b', 'c'], seed = 7) => makeGradientMethod(METHOD, options, tasks, seed);

describe('gradvac: target cosines', () => {
  test('first step (φ̂ = 0) projects like PCGrad: (1,0), (−1,1) → (0.5, 1.5)', () => {
    const r = make({}, ['a', 'b']).aggregate(J([1, 0], [-1, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.direction, [0.5, 1.5], 1e-6);
  });
  test('second step lifts the cosine to the EMA target φ̂ = β·φ (eq. 3)', () => {
    const method = make({ beta: 0.5 }, ['a', 'b']);
    const jac = J([1, 0], [-1, 1]);
    method.aggregate(jac, { losses: [1, 1], labelled: all(2), at });
    const r = method.aggregate(jac, { losses: [1, 1], labelled: all(2), at });
    const phi = -Math.SQRT1_2;
    const target = 0.5 * phi;
    // Task a: g_a + w g_b with w = ‖g_a‖(φ̂√(1−φ²) − φ√(1−φ̂²)) / (‖g_b‖√(1−φ̂²)).
    const w = (target * Math.sqrt(1 - phi * phi) - phi * Math.sqrt(1 - target * target)) / (Math.SQRT2 * Math.sqrt(1 - target * target));
    const pa = [1 - w, w];
    const cos = (pa[0] * -1 + pa[1]) / (Math.hypot(pa[0], pa[1]) * Math.SQRT2);
    assert.ok(Math.abs(cos - target) < 1e-12, 'the formula reaches the target');
    // Task b symmetric: g_b + w' g_a with ‖g_b‖/‖g_a‖ = √2.
    const wb = (Math.SQRT2 * (target * Math.sqrt(1 - phi * phi) - phi * Math.sqrt(1 - target * target))) / Math.sqrt(1 - target * target);
    close(r.weights ?? [], [1 + wb, 1 + w], 1e-9);
    close(r.direction, [1 + wb - (1 + w), 1 + w], 1e-5);
  });
  test('beta = 0 keeps φ̂ = 0 (PCGrad every step)', () => {
    const method = make({ beta: 0 }, ['a', 'b']);
    for (let s = 0; s < 3; s++) {
      const r = method.aggregate(J([1, 0], [-1, 1]), { losses: [1, 1], labelled: all(2), at });
      close(r.direction, [0.5, 1.5], 1e-6);
    }
  });
  test('aligned gradients above the target are left alone', () => {
    const r = make({}, ['a', 'b']).aggregate(J([1, 0], [1, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.direction, [2, 1], 1e-7);
  });
});
