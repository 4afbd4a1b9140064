import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { labelledCount, makeFieldDataset, type TargetField } from '../fields.js';
import { MultitaskDataConfigSchema, type MultitaskDataConfigInput } from './config.js';
import { loadMultitaskData, multiDigitImages } from './load.js';

const config = (raw: MultitaskDataConfigInput) => MultitaskDataConfigSchema.parse(raw);

test('MultiFashion reproduces the pinned SHA-256 of its uint8 train and test images, and loads fast', () => {
  const start = performance.now();
  const { train, test: testSplit } = multiDigitImages('multi-fashion');
  const data = loadMultitaskData(config({}), 0);
  const ms = performance.now() - start;

  const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
  assert.equal(train.images.length, 60000 * 28 * 28);
  assert.equal(testSplit.images.length, 10000 * 28 * 28);
  assert.equal(sha(train.images), 'ed253a54f43482870654db8a2f42e9e62b2e3e18e96ae25695feb740b0a894a6');
  assert.equal(sha(testSplit.images), 'c12eefd179315232bf9aabe05fce84ef301dc24f28d85e8af10948b092415e56');
  assert.equal(data.description, 'MultiFashion: 54,000 train / 6,000 validation / 10,000 test, tasks topLeft, bottomRight');
  // Measured on 2 cores shared with other builds (load average 4): about 2.1 s for the first load (unpack,
  // pair, then split and gather+normalize 70,000 images), 0.85 s for a further seed (cached build).
  console.log(`# MultiFashion first load: ${ms.toFixed(0)} ms`);
});

test('loadMultitaskData on multi-fashion with maxTrainSamples 500: lengths, fields, description, seeded', () => {
  const cfg = config({ dataset: 'multi-fashion', maxTrainSamples: 500, maxTestSamples: 300 });

  const data = loadMultitaskData(cfg, 3);
  const again = loadMultitaskData(cfg, 3);
  const other = loadMultitaskData(cfg, 4);

  assert.equal(data.train.length, 500);
  // validation kept in proportion to the training subset: ceil(500 · 0.1 / 0.9)
  assert.equal(data.validation?.length, 56);
  assert.equal(data.test.length, 300);
  assert.deepEqual(data.tasks, ['topLeft', 'bottomRight']);
  assert.deepEqual(Object.keys(data.train.fields), ['x', 'topLeft', 'bottomRight']);
  makeFieldDataset(data.train.fields, 'train');
  const x = data.train.fields.x;
  assert.ok(x.kind === 'float');
  assert.deepEqual(x.shape, [28, 28, 1]);
  assert.ok(Math.abs(x.values.reduce((m, v) => Math.min(m, v), Infinity) - -0.1307 / 0.3081) < 1e-6);
  assert.equal(data.description, 'MultiFashion: 500 train / 56 validation / 300 test, tasks topLeft, bottomRight');
  assert.deepEqual(data.train.fields.topLeft, again.train.fields.topLeft);
  assert.notDeepEqual(data.train.fields.topLeft, other.train.fields.topLeft);
});

test('missingLabels removes labels from the training split only; an unknown task is a ConfigError', () => {
  const data = loadMultitaskData(config({ maxTrainSamples: 1000, validationFraction: 0, missingLabels: { bottomRight: 0.9 } }), 0);

  assert.equal(data.validation, undefined);
  assert.equal(labelledCount(data.train.fields.bottomRight as TargetField, 1000), 100);
  assert.equal((data.train.fields.topLeft as TargetField).mask, undefined);
  assert.equal((data.test.fields.bottomRight as TargetField).mask, undefined);
  assert.match(data.description, /labels removed: bottomRight 90%/);
  assert.throws(() => loadMultitaskData(config({ maxTrainSamples: 10, missingLabels: { left: 0.5 } }), 0), (err: unknown) => err instanceof ConfigError && /topLeft, bottomRight/.test(err.hint ?? ''));
});

test('multi-mnist and multi-fashion-mnist: 8,000 / 2,000 digits, the Fashion item bottom-right', () => {
  const mnist = loadMultitaskData(config({ dataset: 'multi-mnist', validationFraction: 0 }), 0);
  const mixed = loadMultitaskData(config({ dataset: 'multi-fashion-mnist', validationFraction: 0, maxTrainSamples: 100 }), 0);

  assert.equal(mnist.train.length, 8000);
  assert.equal(mnist.test.length, 2000);
  const br = mixed.train.fields.bottomRight;
  const tl = mixed.train.fields.topLeft;
  assert.ok(br.kind === 'classes' && tl.kind === 'classes');
  assert.equal(br.classNames?.[9], 'Ankle boot');
  assert.equal(tl.classNames?.[9], '9');
  assert.match(mixed.description, /^Multi-\(Fashion\+MNIST\): 100 train \/ 2,000 test/);
});

test('fashion-mnist-tasks and mmoe-synthetic load with their tasks', () => {
  const fashion = loadMultitaskData(config({ dataset: 'fashion-mnist-tasks', maxTrainSamples: 50, maxTestSamples: 50 }), 0);
  const synthetic = loadMultitaskData(config({ dataset: 'mmoe-synthetic', synthetic: { samples: 1000, correlation: 0.9 } }), 1);

  assert.deepEqual(fashion.tasks, ['class', 'category', 'footwear']);
  assert.deepEqual(synthetic.tasks, ['y1', 'y2']);
  assert.equal(synthetic.test.length, 200);
  assert.equal(synthetic.validation?.length, 80);
  assert.equal(synthetic.train.length, 720);
  assert.equal(synthetic.description, 'MMoE synthetic (correlation 0.9): 720 train / 80 validation / 200 test, tasks y1, y2');
});

test('csv: a training and a test file, encoded alike; without a test file a test part is held out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointly-mt-'));
  try {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${i % 2 === 0 ? 'even' : 'odd'},${i % 5 === 0 ? '' : i / 10}`);
    writeFileSync(join(dir, 'train.csv'), ['f,parity,value', ...rows].join('\n'));
    writeFileSync(join(dir, 'test.csv'), 'value,parity,f\n1.5,odd,3\n,odd,5');
    const targets = [{ column: 'parity' }, { column: 'value' }];

    const withTest = loadMultitaskData(config({ dataset: 'csv', train: join(dir, 'train.csv'), test: join(dir, 'test.csv'), targets }), 0);
    const heldOut = loadMultitaskData(config({ dataset: 'csv', train: join(dir, 'train.csv'), targets, validationFraction: 0 }), 0);

    const parity = withTest.test.fields.parity;
    assert.ok(parity.kind === 'classes');
    assert.deepEqual([...parity.labels], [1, 1]);
    assert.deepEqual(withTest.tasks, ['parity', 'value']);
    const value = withTest.test.fields.value;
    assert.ok(value.kind === 'regression');
    assert.deepEqual([...(value.mask ?? [])], [1, 0]);
    assert.equal(withTest.train.length + (withTest.validation?.length ?? 0), 40);
    assert.equal(heldOut.test.length, 8);
    assert.equal(heldOut.train.length, 32);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('csv features are standardized with the training split\'s statistics only (unless standardize is false)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointly-mt-standardize-'));
  try {
    const train = join(dir, 'train.csv');
    const test = join(dir, 'test.csv');
    writeFileSync(train, `big,small,y\n${Array.from({ length: 40 }, (_, i) => `${1000 + i * 10},${i / 100},${i % 2}`).join('\n')}\n`);
    writeFileSync(test, 'big,small,y\n2000,5,1\n');
    const cfg = (extra: Partial<MultitaskDataConfigInput>) => MultitaskDataConfigSchema.parse({ dataset: 'csv', train, test, targets: [{ column: 'y' }], validationFraction: 0, ...extra });
    const data = loadMultitaskData(cfg({}), 0);
    const x = (data.train.fields.x as { values: Float32Array }).values;
    const mean = (j: number): number => x.filter((_, k) => k % 2 === j).reduce((a, b) => a + b, 0) / 40;
    assert.ok(Math.abs(mean(0)) < 1e-4 && Math.abs(mean(1)) < 1e-4, 'centred');
    assert.match(data.description, /features standardized with training statistics/);
    // test row: big = 2000 is (2000 − 1195) / std of the training column, not its own statistics
    const std = Math.sqrt(Array.from({ length: 40 }, (_, i) => (1000 + i * 10 - 1195) ** 2).reduce((a, b) => a + b, 0) / 40);
    assert.ok(Math.abs((data.test.fields.x as { values: Float32Array }).values[0] - (2000 - 1195) / std) < 1e-4);
    const raw = loadMultitaskData(cfg({ standardize: false }), 0);
    assert.equal((raw.test.fields.x as { values: Float32Array }).values[0], 2000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
