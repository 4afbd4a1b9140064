import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureStatistics, standardizeDataset, standardizeField } from './standardize.js';
import type { FloatField } from './fields.js';

const field = (values: number[]): FloatField => ({ kind: 'float', values: Float32Array.from(values), shape: [2] });

test('statistics per feature, applied to other data unchanged; a constant feature is only centred', () => {
  // feature 0: 1, 3 (mean 2, std 1); feature 1: 5, 5 (constant)
  const stats = featureStatistics(field([1, 5, 3, 5]));
  assert.deepEqual(Array.from(stats.mean), [2, 5]);
  assert.deepEqual(Array.from(stats.std), [1, 0]);
  assert.deepEqual(Array.from(standardizeField(field([1, 5, 3, 5]), stats).values), [-1, 0, 1, 0]);
  // the test split uses the training statistics, not its own
  assert.deepEqual(Array.from(standardizeField(field([4, 7]), stats).values), [2, 2]);
  const ds = standardizeDataset({ length: 1, fields: { x: field([4, 7]), y: { kind: 'binary', values: Float32Array.from([1]) } } }, 'x', stats);
  assert.deepEqual(Array.from((ds.fields.x as FloatField).values), [2, 2]);
  assert.equal(ds.fields.y.kind, 'binary');
  assert.throws(() => standardizeField(field([1, 2]), { mean: new Float64Array(3), std: new Float64Array(3) }), /statistics of 3 features for samples of 2/);
});
