import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { activeTasks, checkAggregateInput, checkGradientSetup, diagonal, expandWeights, subJacobian, subMatrix } from './task-rows.js';

const at = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: 1 };

test('activeTasks keeps labelled tasks, and with a diagonal only the non-zero ones', () => {
  assert.deepEqual(activeTasks([true, false, true, true]), [0, 2, 3]);
  assert.deepEqual(activeTasks([true, false, true, true], [1, 4, 0, 2]), [0, 3]);
});

test('subMatrix, diagonal and expandWeights select and put back in task order', () => {
  const g = [1, 2, 3, 4, 5, 6, 7, 8, 9];

  assert.deepEqual(Array.from(subMatrix(g, 3, [0, 2])), [1, 3, 7, 9]);
  assert.deepEqual(Array.from(diagonal(g, 3)), [1, 5, 9]);
  assert.deepEqual(expandWeights([0.25, 0.75], [0, 2], 3), [0.25, 0, 0.75]);
  assert.throws(() => expandWeights([1], [0, 2], 3), RangeError);
  const rows = [Float32Array.of(1), Float32Array.of(2), Float32Array.of(3)];
  assert.equal(subJacobian({ rows, n: 1 }, [2]).rows[0], rows[2]);
});

test('checkAggregateInput and checkGradientSetup refuse mismatches with the counts and the task', () => {
  const tasks = ['a', 'b'];
  const ok = { losses: [1, 1], labelled: [true, true], at };

  checkAggregateInput('m', tasks, { rows: [Float32Array.of(1), Float32Array.of(2)], n: 1 }, ok);
  assert.throws(() => checkAggregateInput('m', tasks, { rows: [Float32Array.of(1)], n: 1 }, ok), errorLike(ShapeMismatchError, /1 Jacobian rows/, /2 tasks \(a, b\)/));
  assert.throws(
    () => checkAggregateInput('m', tasks, { rows: [Float32Array.of(1), Float32Array.of(Infinity)], n: 1 }, ok),
    errorLike(ShapeMismatchError, /task 'b'/, /non-finite/),
  );
  assert.throws(() => checkGradientSetup('m', { tasks: [], seed: 0 }), errorLike(ConfigError, /no tasks/));
});
