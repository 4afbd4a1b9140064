/** Tests of the "did you mean" suggestions: edit distance, thresholds, case and prefixes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestNames, defaultMaxDistance, didYouMean, editDistance } from './did-you-mean.js';

test('editDistance counts insertions, deletions, substitutions and adjacent transpositions as 1', () => {
  assert.equal(editDistance('simulate', 'simulate'), 0);
  assert.equal(editDistance('simulte', 'simulate'), 1, 'a deletion');
  assert.equal(editDistance('delimter', 'delimiter'), 1);
  assert.equal(editDistance('dmll', 'dml'), 1);
  assert.equal(editDistance('fedvag', 'fedavg'), 1, 'a transposition is one edit');
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('abc', ''), 3);
});

test('closestNames: misspellings within the threshold, best first; nothing for far names', () => {
  const commands = ['demo', 'run', 'simulate', 'server', 'client', 'token', 'evaluate', 'predict', 'info'];

  assert.deepEqual(closestNames('simulte', commands), ['simulate']);
  assert.deepEqual(closestNames('SIMULATE', commands), ['simulate'], 'case-insensitive exact match');
  assert.deepEqual(closestNames('evalute', commands), ['evaluate']);
  assert.deepEqual(closestNames('frobnicate', commands), []);
  assert.deepEqual(closestNames('xyz', commands), []);
  assert.deepEqual(closestNames('epoch', ['epochs', 'seeds', 'out']), ['epochs']);
});

test('closestNames: prefixes match both ways, and the threshold grows with the length', () => {
  assert.deepEqual(closestNames('sim', ['simulate', 'server']), ['simulate'], 'an abbreviation');
  assert.deepEqual(closestNames('label-columns', ['label-column', 'labels']), ['label-column']);
  assert.deepEqual(closestNames('s', ['simulate', 'server']), [], 'one character is no prefix');
  assert.equal(defaultMaxDistance(3), 1);
  assert.equal(defaultMaxDistance(8), 2);
  assert.equal(defaultMaxDistance(12), 3);
  assert.deepEqual(closestNames('ab', ['xy']), [], 'two edits on a short name is too far');
  assert.deepEqual(closestNames('featurColums', ['featureColumns', 'labelColumn']), ['featureColumns']);
});

test('didYouMean phrases one or several suggestions, or nothing', () => {
  assert.equal(didYouMean('dmll', ['dml', 'co-teaching', 'distillation']), "did you mean 'dml'?");
  assert.equal(didYouMean('epoch', ['epochs'], (s) => `--${s}`), 'did you mean --epochs?');
  assert.equal(didYouMean('fedav', ['fedavg', 'fedavgm', 'fedprox']), "did you mean 'fedavg' or 'fedavgm'?");
  assert.equal(didYouMean('zzz', ['dml']), '');
});
