import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataMalformedError, DataMissingError } from '../errors.js';
import { parseCsv } from './csv.js';
import { loadCsv } from './files/tabular-files.js';
import { tempDirFactory, errorLike } from '../engine/testing.js';

const tempDir = tempDirFactory('jointly-csv-');

test('parseCsv detects a header and maps string labels to sorted class names', () => {
  const text = 'a,b,species\n1,2,virginica\n3,4.5,setosa\n-1,0,virginica\n';

  const ds = parseCsv(text, 't.csv');

  assert.deepEqual(ds.sampleShape, [2]);
  assert.deepEqual([...ds.features], [1, 2, 3, 4.5, -1, 0]);
  assert.deepEqual(ds.classNames, ['setosa', 'virginica']);
  assert.deepEqual([...ds.labels], [1, 0, 1]);
  assert.equal(ds.numClasses, 2);
});

test('parseCsv uses non-negative integer labels as class indices', () => {
  const text = '0.5,1e2,2\n1,2,0\n3,4,5\n';

  const ds = parseCsv(text, 't.csv');

  assert.deepEqual([...ds.labels], [2, 0, 5]);
  assert.equal(ds.numClasses, 6);
  assert.equal(ds.classNames, undefined);
  assert.deepEqual([...ds.features], [0.5, 100, 1, 2, 3, 4]);
});

test('parseCsv in auto mode reads a headerless file with string labels as data', () => {
  const text = '5.1,3.5,setosa\n6.2,2.9,versicolor\n';

  const ds = parseCsv(text, 'iris.csv');

  assert.equal(ds.labels.length, 2);
  assert.deepEqual(ds.classNames, ['setosa', 'versicolor']);
});

test('parseCsv in auto mode takes a text label cell over numeric labels as a header', () => {
  const text = '1,2,label\n0.1,0.2,0\n0.3,0.4,1\n';

  const ds = parseCsv(text, 't.csv');

  assert.deepEqual([...ds.labels], [0, 1]);
  assert.deepEqual([...ds.features], [0.1, 0.2, 0.3, 0.4].map(Math.fround));
});

test('parseCsv honours labelColumn by name and by index, header and delimiter', () => {
  const named = 'y;x1;x2\nb;1;2\na;3;4\n';
  const indexed = '1,10,20\n0,30,40\n';

  const byName = parseCsv(named, 't.csv', { labelColumn: 'y', delimiter: ';' });
  const byIndex = parseCsv(indexed, 't.csv', { labelColumn: 0, header: false });
  const forcedHeader = parseCsv(indexed, 't.csv', { labelColumn: 0, header: true });

  assert.deepEqual([...byName.features], [1, 2, 3, 4]);
  assert.deepEqual(byName.classNames, ['a', 'b']);
  assert.deepEqual([...byName.labels], [1, 0]);
  assert.deepEqual([...byIndex.features], [10, 20, 30, 40]);
  assert.deepEqual([...byIndex.labels], [1, 0]);
  assert.equal(forcedHeader.labels.length, 1);
});

test('parseCsv handles CRLF, a trailing newline, blank lines and quoted fields', () => {
  const text = 'x,"weight, kg",name\r\n1,2,"cat, black"\r\n\r\n3,"4","say ""hi"""\r\n5,6,"two\r\nlines"\r\n';

  const ds = parseCsv(text, 't.csv');

  assert.deepEqual([...ds.features], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(ds.classNames, ['cat, black', 'say "hi"', 'two\r\nlines']);
});

test('parseCsv names the line and column of an empty or non-numeric feature', () => {
  const empty = 'a,b,label\n1,2,0\n3,,1\n';
  const text = '1,2,0\n1,2,1\n1,x,1\n';
  const multiline = 'a,b,label\n1,2,"x\ny"\n1,?,0\n';

  assert.throws(() => parseCsv(empty, 'e.csv'), errorLike(DataMalformedError, /^e\.csv: line 3, column 'b' \(index 1\) is empty/));
  assert.throws(() => parseCsv(text, 'n.csv'), errorLike(DataMalformedError, /line 3, column index 1 is not a number: "x"/));
  assert.throws(() => parseCsv(multiline, 'm.csv'), errorLike(DataMalformedError, /line 4, column 'b'/));
  assert.throws(() => parseCsv(empty, 'e.csv'), (err: DataMalformedError) => /impute/.test(err.hint ?? ''));
});

test('parseCsv rejects ragged rows, empty labels, open quotes and empty files', () => {
  assert.throws(() => parseCsv('a,b,c\n1,2,0\n1,2\n', 'r.csv'), errorLike(DataMalformedError, /line 3 has 2 fields, expected 3/));
  assert.throws(() => parseCsv('1,2,0\n1,2, \n', 'l.csv'), errorLike(DataMalformedError, /line 2, .* \(the label\) is empty/));
  assert.throws(() => parseCsv('1,2,0\n1,2,"oops\n', 'q.csv'), errorLike(DataMalformedError, /line 2: quoted field is never closed/));
  assert.throws(() => parseCsv('\n\n', 'z.csv'), errorLike(DataMalformedError, /no rows/));
  assert.throws(() => parseCsv('a,b,c\n', 'h.csv'), errorLike(DataMalformedError, /no data rows/));
  assert.throws(() => parseCsv('1,2,x\n3,4,x\n', 'one.csv'), errorLike(DataMalformedError, /at least 2 classes/));
});

test('parseCsv rejects label columns that do not exist', () => {
  const text = 'a,b,c\n1,2,0\n';

  assert.throws(() => parseCsv(text, 't.csv', { labelColumn: 'zz' }), errorLike(ConfigError, /no column 'zz'/));
  assert.throws(() => parseCsv(text, 't.csv', { labelColumn: 3 }), errorLike(ConfigError, /\[0, 3\)/));
  assert.throws(() => parseCsv(text, 't.csv', { labelColumn: 'c', header: false }), ConfigError);
  assert.throws(() => parseCsv(text, 't.csv', { delimiter: ', ' }), ConfigError);
});

test('loadCsv reads a file and reports a missing one', () => {
  const dir = tempDir();
  const path = join(dir, 'd.csv');
  writeFileSync(path, 'f,label\n0.5,yes\n1.5,no\n');

  const ds = loadCsv(path);

  assert.deepEqual([...ds.features], [0.5, 1.5]);
  assert.deepEqual(ds.classNames, ['no', 'yes']);
  assert.throws(() => loadCsv(join(dir, 'missing.csv')), errorLike(DataMissingError, /missing\.csv/));
});
