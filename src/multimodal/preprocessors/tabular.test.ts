import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFieldDataset, type FloatField, type TokensField } from '../../data/fields.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { TabularModality } from '../modality.js';
import { TabularPreprocessorOptionsSchema, tabularPreprocessor, type TabularPreprocessorOptions } from './tabular.js';

function table(numeric: number[][], categorical: string[][], numericNames = ['age', 'income'], categoricalNames = ['color', 'city']): TabularModality {
  return { kind: 'tabular', numeric: Float32Array.from(numeric.flat()), numericNames, categorical, categoricalNames };
}

const options = (o: Partial<TabularPreprocessorOptions> = {}): TabularPreprocessorOptions => TabularPreprocessorOptionsSchema.parse(o);

// Four training samples, the last one missing (present 0): its values must not count.
const TRAIN = table(
  [
    [10, 5],
    [30, 5],
    [NaN, 5],
    [1000, NaN],
  ],
  [
    ['red', 'blue', 'red', 'green'],
    ['x', '', 'y', 'z'],
  ],
);
const PRESENT = Uint8Array.from([1, 1, 1, 0]);

describe('tabular preprocessor', () => {
  test('fits on present training samples: mean/std, indicators, vocabularies, one id space from 1', () => {
    const fitted = tabularPreprocessor.fit(TRAIN, 'rec', options(), PRESENT);
    // age: 10, 30 → mean 20, std 10 (NaN and the absent 1000 left out), with an indicator (row 2 is NaN);
    // income: constant 5 → std 1, no indicator (its only NaN is in the absent sample).
    assert.deepEqual(fitted.state(), {
      numericNames: ['age', 'income'],
      mean: [20, 5],
      std: [10, 1],
      indicators: [0],
      categoricalNames: ['color', 'city'],
      // red ×2 before blue ×1; x and y tie and sort by value; green and z only in the absent sample.
      vocabularies: [['red', 'blue'], ['x', 'y']],
      missingCategory: 'own',
    });
    // color: unknown 1, missing 2, red 3, blue 4; city: unknown 5, missing 6, x 7, y 8.
    assert.deepEqual(fitted.info, {
      kind: 'tabular',
      fields: ['rec', 'rec.cat'],
      shapes: { rec: [3], 'rec.cat': [2] },
      vocabSizes: { 'rec.cat': 9 },
      categorySizes: [4, 4],
    });
  });

  test('transforms by hand: standardized numbers, NaN → 0 with its indicator, missing sample → zeros and missing ids', () => {
    const fitted = tabularPreprocessor.fit(TRAIN, 'rec', options(), PRESENT);
    const out = fitted.transform(TRAIN, 'rec', PRESENT);
    const x = out.rec as FloatField;
    const cat = out['rec.cat'] as TokensField;
    assert.deepEqual(x.shape, [3]);
    assertClose(x.values, [-1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0], 1e-7, 'numeric');
    assert.deepEqual(Array.from(cat.ids), [3, 7, 4, 6, 3, 8, 2, 6]);
    assert.deepEqual(Array.from(cat.lengths), [2, 2, 2, 2]);
    assert.equal(cat.maxLength, 2);
    assert.equal(cat.vocabSize, 9);
    makeFieldDataset(out, 'tabular test'); // the engine accepts the fields
  });

  test('unknown categories map to their column\'s unknown id; new values are standardized with the training statistics', () => {
    const fitted = tabularPreprocessor.fit(TRAIN, 'rec', options(), PRESENT);
    const test = table([[40, 7]], [['purple'], ['y']]);
    const out = fitted.transform(test, 'rec');
    assertClose((out.rec as FloatField).values, [2, 2, 0], 1e-7, 'numeric'); // (40 − 20)/10, (7 − 5)/1
    assert.deepEqual(Array.from((out['rec.cat'] as TokensField).ids), [1, 8]);
  });

  test('test-split values never change the statistics', () => {
    const fitted = tabularPreprocessor.fit(TRAIN, 'rec', options(), PRESENT);
    const before = JSON.stringify(fitted.state());
    const extreme = table([[1e6, -1e6], [NaN, NaN]], [['orange', 'orange'], ['w', 'w']]);
    const first = (fitted.transform(extreme, 'rec').rec as FloatField).values;
    assert.equal(JSON.stringify(fitted.state()), before);
    // Transforming again gives the same values: nothing was learned from the test split.
    assert.deepEqual(Array.from((fitted.transform(extreme, 'rec').rec as FloatField).values), Array.from(first));
    // Fitting on train + test would have given other statistics.
    const pooled = table([[10, 5], [30, 5], [NaN, 5], [1e6, -1e6]], [['red', 'blue', 'red', 'orange'], ['x', '', 'y', 'w']]);
    assert.notEqual(JSON.stringify(tabularPreprocessor.fit(pooled, 'rec', options()).state()), before);
  });

  test('maxCategories and minCount send rarer values to unknown; missingCategory unknown shares its id', () => {
    const t = table([], [['a', 'a', 'a', 'b', 'b', 'c', '']], [], ['k']);
    assert.deepEqual((tabularPreprocessor.fit(t, 'm', options({ maxCategories: 2 })).state() as { vocabularies: string[][] }).vocabularies, [['a', 'b']]);
    assert.deepEqual((tabularPreprocessor.fit(t, 'm', options({ minCount: 3 })).state() as { vocabularies: string[][] }).vocabularies, [['a']]);
    const shared = tabularPreprocessor.fit(t, 'm', options({ missingCategory: 'unknown', maxCategories: 2 }));
    // unknown 1, a 2, b 3: c (capped) and '' (missing) both get 1.
    assert.deepEqual(shared.info.categorySizes, [3]);
    assert.deepEqual(Array.from((shared.transform(t, 'm').m as TokensField).ids), [2, 2, 2, 3, 3, 1, 1]);
  });

  test('a table without numeric columns has its categorical ids as the main field', () => {
    const t = table([], [['a', 'b'], ['u', 'u']], [], ['k', 'l']);
    const fitted = tabularPreprocessor.fit(t, 'm', options());
    assert.deepEqual(fitted.info.fields, ['m']);
    assert.deepEqual(fitted.info.vocabSizes, { m: 1 + 4 + 3 });
    const out = fitted.transform(t, 'm');
    assert.deepEqual(Object.keys(out), ['m']);
    // k: unknown 1, missing 2, a 3, b 4; l: unknown 5, missing 6, u 7
    assert.deepEqual(Array.from((out.m as TokensField).ids), [3, 7, 4, 7]);
  });

  test('a numeric-only table has one float field; indicators can be turned off', () => {
    const t = table([[1], [NaN], [3]], [], ['v'], []);
    const fitted = tabularPreprocessor.fit(t, 'm', options());
    assert.deepEqual(fitted.info, { kind: 'tabular', fields: ['m'], shapes: { m: [2] } });
    assertClose((fitted.transform(t, 'm').m as FloatField).values, [-1, 0, 0, 1, 1, 0], 1e-7, 'with indicator');
    const plain = tabularPreprocessor.fit(t, 'm', options({ missingIndicators: false }));
    assert.deepEqual(plain.info.shapes, { m: [1] });
    assertClose((plain.transform(t, 'm').m as FloatField).values, [-1, 0, 1], 1e-7, 'without');
  });

  test('state round-trips through JSON exactly, and restore refuses a malformed state', () => {
    const fitted = tabularPreprocessor.fit(TRAIN, 'rec', options(), PRESENT);
    const state = JSON.parse(JSON.stringify(fitted.state())) as Record<string, unknown>;
    const restored = tabularPreprocessor.restore(state, 'rec');
    assert.deepEqual(restored.state(), fitted.state());
    assert.deepEqual(restored.info, fitted.info);
    const a = fitted.transform(TRAIN, 'rec', PRESENT);
    const b = restored.transform(TRAIN, 'rec', PRESENT);
    assert.deepEqual(Array.from((b.rec as FloatField).values), Array.from((a.rec as FloatField).values));
    assert.deepEqual(Array.from((b['rec.cat'] as TokensField).ids), Array.from((a['rec.cat'] as TokensField).ids));
    const bad = [null, { ...state, mean: [1] }, { ...state, std: [10, 0] }, { ...state, indicators: [5] }, { ...state, vocabularies: [['a', 'a'], []] }, { ...state, extra: 1 }, { ...state, numericNames: [], mean: [], std: [], indicators: [], categoricalNames: [], vocabularies: [] }];
    for (const s of bad) assert.throws(() => tabularPreprocessor.restore(s, 'rec'), errorLike(ConfigError, /preprocessing\.rec/, /not valid/));
  });

  test('bad input: no columns, infinite values, other columns, other kinds', () => {
    assert.throws(() => tabularPreprocessor.fit(table([], [], [], []), 'm', options()), errorLike(DataMalformedError, /neither numeric nor categorical/));
    assert.throws(() => tabularPreprocessor.fit(table([[1, Infinity]], [['a'], ['b']]), 'm', options()), errorLike(DataMalformedError, /'income' of sample 0 is Infinity/));
    const fitted = tabularPreprocessor.fit(TRAIN, 'rec', options(), PRESENT);
    assert.throws(() => fitted.transform(table([[1, 2]], [['a'], ['b']], ['age', 'weight']), 'rec'), errorLike(ShapeMismatchError, /fitted on/));
    assert.throws(() => fitted.transform({ kind: 'text', texts: ['hi'] }, 'rec'), errorLike(ShapeMismatchError, /text data/));
    assert.throws(() => fitted.transform(TRAIN, 'rec', Uint8Array.from([1])), errorLike(ShapeMismatchError, /presence mask/));
    assert.throws(() => tabularPreprocessor.fit(table([[1, 2], [3, 4]], [['a', 'b'], ['c']]), 'm', options()), errorLike(DataMalformedError, /column 'city' has 1 values for 2 samples/));
  });
});
