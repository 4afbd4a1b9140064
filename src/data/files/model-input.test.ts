import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { DataMalformedError } from '../../errors.js';
import { runMutual } from '../../mutual/run-mutual.js';
import { experimentSchema, prepareExperimentData } from '../prepare.js';
import { DataSchemaSchema, type DataSchema } from '../schema.js';
import { loadExperimentData, loadRawData } from './load.js';
import { loadModelInput } from './model-input.js';

const tempDir = tempDirFactory('jointly-model-input-');
/** Committed fixtures, found from the compiled test (in dist/data/files or a .build folder). */
const fixture = (name: string): string => fileURLToPath(new URL(`../../../src/data/fixtures/${name}`, import.meta.url));
const SKLEARN = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

before(async () => {
  await selectBackend('wasm');
});

const near = (a: number, b: number, tol = 1e-4): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('a scikit-learn-style file (count line first) loads with header 1 and is standardized on the training split', () => {
  const data = loadExperimentData({ dataset: 'csv', train: fixture('sklearn-style.csv'), header: 1, classes: ['low', 'high'], preprocess: 'standardize', validationFraction: 0 }, 0);

  const n = data.train.labels.length;
  assert.equal(n + data.test.labels.length, 24);
  for (let j = 0; j < 3; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data.train.features[i * 3 + j] / n;
    near(mean, 0);
  }
  assert.equal(data.pipeline?.scaling?.method, 'standardize');
  assert.deepEqual(data.train.classNames, ['low', 'high']);
  assert.match(data.description, /standardized with training-split statistics/);
});

test('test rows do not influence the statistics: changing them leaves impute values, scaling and training features unchanged', () => {
  const dir = tempDir();
  const calm = join(dir, 'calm.csv');
  const wild = join(dir, 'wild.csv');
  writeFileSync(calm, 'a;b;color;y\n1;2;red;no\n3;4;blue;yes\n');
  writeFileSync(wild, 'a;b;color;y\n1000;-5000;red;no\n3e6;NA;blue;yes\n');
  const cfg = { dataset: 'csv' as const, train: fixture('semicolon-missing.csv'), categorical: { encoding: 'one-hot' as const }, missing: { policy: 'impute' as const }, preprocess: 'standardize' as const, validationFraction: 0 };

  const a = loadExperimentData({ ...cfg, test: calm }, 0);
  const b = loadExperimentData({ ...cfg, test: wild }, 0);

  assert.deepEqual(a.pipeline, b.pipeline);
  assert.deepEqual([...a.train.features], [...b.train.features]);
  // the impute value of `a` is the mean of the training file's present values (19 of 20 rows)
  const present = [1, 4.5, 2, 3, 6.5, 4, 7.5, 5, 8.5, 6, 9.5, 7, 10.5, 8, 11.5, 9, 12.5, 10, 13.5];
  near(a.pipeline?.missing?.impute?.[0] ?? NaN, present.reduce((s, v) => s + v, 0) / present.length, 1e-3);
});

test('a ;-delimited file with NA and ? cells: refused by default with line and column, dropped with a count', () => {
  const cfg = { dataset: 'csv' as const, train: fixture('semicolon-missing.csv'), categorical: { encoding: 'one-hot' as const } };

  assert.throws(() => loadRawData(cfg), (e: unknown) => e instanceof DataMalformedError && /line 5, column 'a' \(index 0\) is missing \("NA"\)/.test(e.message));
  const dropped = loadExperimentData({ ...cfg, missing: { policy: 'drop' } }, 0);

  assert.equal(dropped.train.labels.length + (dropped.validation?.labels.length ?? 0) + dropped.test.labels.length, 17);
  assert.match(dropped.description, /3 rows dropped \(missing values\)/);
});

test('the pipeline saved with a model is re-applied by loadModelInput: columns by name, unknown level all zeros, impute, scaling', () => {
  const cfg = { dataset: 'csv' as const, train: fixture('semicolon-missing.csv'), categorical: { encoding: 'one-hot' as const }, missing: { policy: 'impute' as const }, preprocess: 'standardize' as const };
  const schema = DataSchemaSchema.parse(JSON.parse(JSON.stringify(experimentSchema(loadExperimentData(cfg, 0)))));
  const p = schema.pipeline;
  assert.ok(p?.scaling !== undefined && p.missing?.impute !== undefined);
  const scale = (raw: number[]): number[] => raw.map((v, j) => (v - (p.scaling?.offset[j] ?? 0)) / (p.scaling?.scale[j] ?? 1));

  const input = loadModelInput(fixture('semicolon-predict.csv'), schema, { requireLabels: false });

  assert.equal(input.labels, undefined);
  assert.deepEqual(input.sampleShape, [5]);
  assert.deepEqual(input.lines, [2, 3, 4]);
  // model order: a, b, color=blue, color=green, color=red
  const expected = [...scale([2.5, 90, 0, 0, 1]), ...scale([4, 80, 0, 0, 0]), ...scale([6, p.missing?.impute?.[1] ?? NaN, 0, 1, 0])];
  expected.forEach((v, k) => near(input.features[k], v));
  assert.match(input.description, /all 3 rows of .*semicolon-predict\.csv/);
  assert.throws(() => loadModelInput(fixture('semicolon-predict.csv'), schema, { requireLabels: true }), /has no label column 'y'/);
  const labelled = loadModelInput(fixture('semicolon-missing.csv'), schema, { requireLabels: true });
  assert.deepEqual([...(labelled.labels ?? [])].slice(0, 4), [0, 1, 0, 1]);
});

test('a schema without a pipeline (an older model.json) still parses, and files are read as they are', () => {
  const dir = tempDir();
  const file = join(dir, 'old.csv');
  writeFileSync(file, 'b,a,label\n2,1,cat\n4,3,dog\n');
  const old: DataSchema = DataSchemaSchema.parse({ inputShape: [2], featureNames: ['a', 'b'], numClasses: 2, classNames: ['cat', 'dog'] });

  const input = loadModelInput(file, old, { requireLabels: true });

  assert.deepEqual([...input.features], [1, 2, 3, 4]);
  assert.deepEqual([...(input.labels ?? [])], [0, 1]);
  assert.throws(() => DataSchemaSchema.parse({ ...old, pipeline: { scaling: { method: 'standardize', offset: [0], scale: [1] } } }), /one offset and scale per feature/);
});

test('a mutual run hands its models the pipeline, and it re-reads the training file into the same features', async () => {
  const cfg = { dataset: 'csv' as const, train: fixture('sklearn-style.csv'), header: 1, preprocess: 'standardize' as const, validationFraction: 0 };
  const schemas: DataSchema[] = [];

  await runMutual(
    { mode: 'mutual', seeds: [0], data: cfg, models: [{ type: 'mlp', hidden: [4] }, { type: 'mlp', hidden: [4] }], method: { name: 'dml' }, training: { epochs: 1, batchSize: 8 } },
    { data: loadRawData(cfg), onEvent: (e) => void (e.type === 'phase-end' ? schemas.push(e.schema) : undefined) },
  );
  const input = loadModelInput(fixture('sklearn-style.csv'), schemas[0], { requireLabels: true });
  const expected = prepareExperimentData(loadRawData(cfg), { ...cfg, testFraction: 0.2 }, 0);

  assert.equal(schemas.length, 2);
  assert.equal(schemas[0].pipeline?.scaling?.method, 'standardize');
  assert.equal(input.labels?.length, 24);
  // every training row, scaled at training, is found among the re-read rows
  const rows = new Set(Array.from({ length: 24 }, (_, i) => Array.from(input.features.subarray(i * 3, i * 3 + 3), (v) => v.toFixed(4)).join()));
  for (let i = 0; i < expected.train.labels.length; i++) assert.ok(rows.has(Array.from(expected.train.features.subarray(i * 3, i * 3 + 3), (v) => v.toFixed(4)).join()));
});

test('the real scikit-learn files load with header 1 and are read back through their pipeline', (t) => {
  if (!existsSync(SKLEARN)) {
    t.skip(`${SKLEARN} is absent (install python3-sklearn to run this test)`);
    return;
  }
  for (const [file, rows, features, classes] of [['wine_data.csv', 178, 13, ['class_0', 'class_1', 'class_2']], ['breast_cancer.csv', 569, 30, ['malignant', 'benign']], ['iris.csv', 150, 4, ['setosa', 'versicolor', 'virginica']]] as const) {
    const cfg = { dataset: 'csv' as const, train: join(SKLEARN, file), header: 1, classes: [...classes], preprocess: 'standardize' as const };
    const data = loadExperimentData(cfg, 0);

    const input = loadModelInput(cfg.train, experimentSchema(data), { requireLabels: true });

    assert.deepEqual(data.train.sampleShape, [features]);
    assert.equal(data.train.labels.length + (data.validation?.labels.length ?? 0) + data.test.labels.length, rows);
    assert.equal(input.labels?.length, rows);
    assert.equal(new Set(input.labels).size, classes.length);
  }
});

test('a file to predict on without the count line the training file skipped keeps its first row', () => {
  const data = loadExperimentData({ dataset: 'csv', train: fixture('sklearn-style.csv'), header: 1, classes: ['low', 'high'], preprocess: 'standardize', validationFraction: 0 }, 0);
  const schema = experimentSchema(data);
  const table = loadModelInput(fixture('sklearn-style.csv'), schema, { requireLabels: true });
  const dir = tempDir();
  const bare = join(dir, 'bare.csv');
  // The same rows without the count line and without the label column.
  const body = readFileSync(fixture('sklearn-style.csv'), 'utf8').split('\n').slice(1).filter((l) => l !== '');
  writeFileSync(bare, `${body.map((l) => l.split(',').slice(0, 3).join(',')).join('\n')}\n`);

  const input = loadModelInput(bare, schema, { requireLabels: false });

  assert.equal(input.lines.length, table.lines.length, 'every row of the bare file is predicted');
  assert.deepEqual(input.lines, table.lines.map((l) => l - 1));
  assert.deepEqual([...input.features], [...table.features]);
  assert.equal(input.labels, undefined);
});
