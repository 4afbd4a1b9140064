import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataMalformedError } from '../errors.js';
import { readCsvDataset } from './csv.js';

const TEXT = 'a,color,b,y\n1,red,10,0\n2,blue,20,1\nNA,red,30,0\n4,green,?,1\n';

test('a text feature column is an error by default, and its hint names data.categorical', () => {
  assert.throws(
    () => readCsvDataset('a,color,y\n1,red,0\n2,blue,1\n', 't.csv'),
    (e: unknown) => e instanceof DataMalformedError && /line 2, column 'color' \(index 1\) is not a number: "red"/.test(e.message) && /data\.categorical/.test(e.hint ?? ''),
  );
});

test('one-hot encoding fits sorted levels and names a feature per level', () => {
  const { dataset, pipeline } = readCsvDataset('a,color,y\n1,red,0\n2,blue,1\n3,green,0\n', 't.csv', { categorical: { encoding: 'one-hot' } });

  assert.deepEqual(dataset.sampleShape, [4]);
  assert.deepEqual(dataset.featureNames, ['a', 'color=blue', 'color=green', 'color=red']);
  assert.deepEqual([...dataset.features], [1, 0, 0, 1, 2, 1, 0, 0, 3, 0, 1, 0]);
  assert.deepEqual(pipeline.columns?.[1], { column: 'color', encoding: 'one-hot', levels: ['blue', 'green', 'red'] });
});

test('index encoding uses the level index; fixed levels keep their order', () => {
  const { dataset } = readCsvDataset('a,color,y\n1,red,0\n2,blue,1\n', 't.csv', { categorical: { encoding: 'index', levels: { color: ['red', 'green', 'blue'] } } });

  assert.deepEqual([...dataset.features], [1, 0, 2, 2]);
  assert.throws(() => readCsvDataset('a,color,y\n1,red,0\n2,pink,1\n', 't.csv', { categorical: { encoding: 'index', levels: { color: ['red', 'blue'] } } }), /has the level "pink"/);
  assert.throws(() => readCsvDataset('a,color,y\n1,red,0\n2,blue,1\n', 't.csv', { categorical: { encoding: 'index', levels: { colour: ['red'] } } }), (e: unknown) => e instanceof ConfigError && e.path === 'data.categorical.levels.colour');
});

test('missing cells: refuse names file, line and column; drop counts rows; impute leaves NaN for the training mean', () => {
  const opts = { categorical: { encoding: 'one-hot' as const } };

  assert.throws(
    () => readCsvDataset(TEXT, 'm.csv', opts),
    (e: unknown) => e instanceof DataMalformedError && /^m\.csv: line 4, column 'a' \(index 0\) is missing \("NA"\)/.test(e.message) && /data\.missing\.policy/.test(e.hint ?? ''),
  );
  const dropped = readCsvDataset(TEXT, 'm.csv', { ...opts, missing: { policy: 'drop' } });
  const imputed = readCsvDataset(TEXT, 'm.csv', { ...opts, missing: { policy: 'impute' } });

  assert.equal(dropped.dropped, 2);
  assert.equal(dropped.dataset.labels.length, 2);
  assert.equal(imputed.dataset.labels.length, 4);
  assert.ok(Number.isNaN(imputed.dataset.features[2 * 5]), 'row 3, feature a is NaN until imputed');
  assert.ok(Number.isNaN(imputed.dataset.features[3 * 5 + 4]), 'row 4, feature b is NaN until imputed');
});

test('custom missing values replace the defaults', () => {
  assert.throws(() => readCsvDataset('a,y\n-,0\n1,1\n', 't.csv', { missing: { values: ['-'] } }), /is missing \("-"\)/);
  // '?' is no longer missing, so it is a text cell
  assert.throws(() => readCsvDataset('a,y\n?,0\n1,1\n', 't.csv', { missing: { values: ['-'] } }), /is not a number: "\?"/);
});

test('featureColumns chooses and orders the features; the label may not be one of them', () => {
  const { dataset } = readCsvDataset('a,b,c,y\n1,2,3,0\n4,5,6,1\n', 't.csv', { featureColumns: ['c', 'a'] });
  const byIndex = readCsvDataset('1,2,3,0\n4,5,6,1\n', 't.csv', { featureColumns: [2, 0], header: false });

  assert.deepEqual([...dataset.features], [3, 1, 6, 4]);
  assert.deepEqual(dataset.featureNames, ['c', 'a']);
  assert.deepEqual([...byIndex.dataset.features], [3, 1, 6, 4]);
  assert.throws(() => readCsvDataset('a,b,y\n1,2,0\n3,4,1\n', 't.csv', { featureColumns: ['a', 'y'] }), (e: unknown) => e instanceof ConfigError && e.path === 'data.featureColumns');
});
