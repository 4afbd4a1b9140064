import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataMalformedError, DataMissingError } from '../errors.js';
import { parseJsonl, readJsonlRows } from './jsonl.js';
import { loadJsonl } from './files/tabular-files.js';
import { tempDirFactory, errorLike } from '../engine/testing.js';

const tempDir = tempDirFactory('jointly-jsonl-');

test('parseJsonl reads flat features and integer labels, skipping blank lines and CRs', () => {
  const text = '{"features": [1, 2.5], "label": 3}\r\n\r\n{"features": [-1, 0], "label": 0}\r\n';

  const ds = parseJsonl(text, 'd.jsonl');

  assert.deepEqual(ds.sampleShape, [2]);
  assert.deepEqual([...ds.features], [1, 2.5, -1, 0]);
  assert.deepEqual([...ds.labels], [3, 0]);
  assert.equal(ds.numClasses, 4);
  assert.equal(ds.classNames, undefined);
});

test('parseJsonl takes the sample shape from nested features', () => {
  const text = ['{"features": [[1, 2], [3, 4], [5, 6]], "label": 1}', '{"features": [[7, 8], [9, 10], [11, 12]], "label": 0}'].join('\n');

  const ds = parseJsonl(text, 'd.jsonl');

  assert.deepEqual(ds.sampleShape, [3, 2]);
  assert.deepEqual([...ds.features], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('parseJsonl maps string labels to sorted class names and honours custom keys', () => {
  const text = '{"x": [0], "y": "dog"}\n{"x": [1], "y": "cat"}\n{"x": [2], "y": "emu"}\n{"x": [3], "y": "cat"}\n';

  const ds = parseJsonl(text, 'd.jsonl', { featuresKey: 'x', labelKey: 'y' });

  assert.deepEqual(ds.classNames, ['cat', 'dog', 'emu']);
  assert.deepEqual([...ds.labels], [1, 0, 2, 0]);
  assert.equal(ds.numClasses, 3);
});

test('parseJsonl names the 1-based line of bad JSON, missing keys and wrong shapes', () => {
  const ok = '{"features": [1, 2], "label": 0}';
  const cases: Array<[string, RegExp]> = [
    [`${ok}\n\n{"features": [1, 2], "label": 0`, /line 3: invalid JSON/],
    [`${ok}\n[1, 2]`, /line 2: expected a JSON object, got an array/],
    [`${ok}\n{"label": 1}`, /line 2: no 'features' key \(keys: label\)/],
    [`${ok}\n{"features": [1, 2]}`, /line 2: no 'label' key/],
    [`${ok}\n{"features": [1, 2, 3], "label": 1}`, /line 2: features is an array of length 3, expected an array of length 2 .*as on line 1/],
    [`${ok}\n{"features": [[1], [2]], "label": 1}`, /line 2: features\[0\] is \[1\], not a finite/],
    [`${ok}\n{"features": [1, null], "label": 1}`, /line 2: features\[1\] is null/],
    [`${ok}\n{"features": [1, 2], "label": 1.5}`, /line 2: label 1.5 is neither/],
    [`${ok}\n{"features": [1, 2], "label": -1}`, /line 2: label -1/],
    [`${ok}\n{"features": [1, 2], "label": "a"}`, /line 2: label "a" is a string but the label on line 1 is a number/],
    [`{"features": 5, "label": 0}`, /line 1: 'features' is 5, expected an array/],
    [`{"features": [], "label": 0}`, /line 1: .*no values/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseJsonl(text, 'bad.jsonl'), errorLike(DataMalformedError, /^bad\.jsonl: /, pattern));
  }
});

test('parseJsonl rejects a file without data lines', () => {
  assert.throws(() => parseJsonl('\n  \n', 'empty.jsonl'), errorLike(DataMalformedError, /no data lines/));
});

test('loadJsonl reads a file and reports a missing one', () => {
  const dir = tempDir();
  const path = join(dir, 'd.jsonl');
  writeFileSync(path, '{"features": [0.5], "label": "b"}\n{"features": [1.5], "label": "a"}\n');

  const ds = loadJsonl(path);

  assert.deepEqual([...ds.features], [0.5, 1.5]);
  assert.deepEqual(ds.classNames, ['a', 'b']);
  assert.deepEqual([...ds.labels], [1, 0]);
  assert.throws(() => loadJsonl(join(dir, 'missing.jsonl')), errorLike(DataMissingError, /missing\.jsonl/));
});

test('readJsonlRows reads files without labels when labels are optional, and refuses files labelled on some lines only', () => {
  const unlabelled = '{"features": [1, 2]}\n\n{"features": [3, 4]}\n';
  const rows = readJsonlRows(unlabelled, 'p.jsonl', { optionalLabels: true });
  assert.deepEqual([...rows.features], [1, 2, 3, 4]);
  assert.deepEqual(rows.lines, [1, 3]);
  assert.equal(rows.labels, undefined);
  assert.deepEqual(readJsonlRows('{"features": [1], "label": "a"}\n{"features": [2], "label": 0}\n', 'l.jsonl', { optionalLabels: true }).labels, ['a', 0]);
  assert.throws(() => readJsonlRows(unlabelled, 'p.jsonl'), errorLike(DataMalformedError, /p\.jsonl: line 1: no 'label' key/));
  assert.throws(() => readJsonlRows('{"features": [1], "label": 1}\n{"features": [2]}\n', 'm.jsonl', { optionalLabels: true }), errorLike(DataMalformedError, /m\.jsonl: line 2: no 'label' key but line 1 has one/));
  assert.throws(() => readJsonlRows('{"features": [1]}\n{"features": [2], "label": 1}\n', 'n.jsonl', { optionalLabels: true }), errorLike(DataMalformedError, /n\.jsonl: line 2: has a 'label' key but line 1 has none/));
});
