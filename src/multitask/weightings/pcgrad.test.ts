import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pcgrad as METHOD, pcgradWeights } from './pcgrad.js';
import { all, at, close, J, ones, makeGradientMethod } from './testing.js';

// The degenerate cases every gradient method shares are in contract.test.ts.
const make = (options: unknown = {}, tasks = ['a', 'b', 'c'], seed = 7) => makeGradientMethod(METHOD, options, tasks, seed);

describe('pcgrad: projections', () => {
  test('two conflicting gradients by hand: (1,0), (−1,1) → (0.5,0.5) + (0,1)', () => {
    const r = make({}, ['a', 'b']).aggregate(J([1, 0], [-1, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.direction, [0.5, 1.5], 1e-7);
    close(r.weights ?? [], [2, 1.5], 1e-12);
  });
  test('no conflict: the plain sum', () => {
    const r = make({}, ['a', 'b']).aggregate(J([1, 0], [1, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.direction, [2, 1], 1e-7);
  });
  test('3 tasks: weight space equals projecting the vectors (Algorithm 1) in the same order', () => {
    const rows = [[1, 0, 0.5], [-1, 1, 0], [0.2, -1, -0.4]];
    const order = (i: number): number[] => [[2, 1], [0, 2], [1, 0]][i];
    const byVectors = rows.map((g, i) => {
      const pc = [...g];
      for (const j of order(i)) {
        const gj = rows[j];
        const inner = pc.reduce((s, v, k) => s + v * gj[k], 0);
        const nn = gj.reduce((s, v) => s + v * v, 0);
        if (inner < 0) for (let k = 0; k < 3; k++) pc[k] -= (inner / nn) * gj[k];
      }
      return pc;
    });
    const expected = [0, 1, 2].map((k) => byVectors.reduce((s, pc) => s + pc[k], 0));
    const jac = J(...rows);
    const g = new Float64Array(9);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) g[a * 3 + b] = rows[a].reduce((s, v, k) => s + v * rows[b][k], 0);
    const w = pcgradWeights(g, 3, order);
    const got = [0, 1, 2].map((k) => w.reduce((s, wi, i) => s + wi * jac.rows[i][k], 0));
    close(got, expected, 1e-6);
  });
  test('seeded: the same seed gives the same direction, and orders vary across steps', () => {
    const rows = [[1, 0, 0.5], [-1, 1, 0], [0.2, -1, -0.4], [0.3, 0.3, -1]];
    const run = (seed: number): number[][] => {
      const m = make({}, ['a', 'b', 'c', 'd'], seed);
      return Array.from({ length: 8 }, () => Array.from(m.aggregate(J(...rows), { losses: ones(4), labelled: all(4), at }).direction));
    };
    assert.deepEqual(run(1), run(1));
    const steps = run(1).map((d) => d.join(','));
    assert.ok(new Set(steps).size > 1, 'the random order changes the result on this input');
  });
});
