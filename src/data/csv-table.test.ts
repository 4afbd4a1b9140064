import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataMalformedError } from '../errors.js';
import { columnIndex, detectDelimiter, readCsvTable } from './csv-table.js';

test('the delimiter is detected among , ; tab |, ignoring delimiters inside quotes', () => {
  assert.equal(detectDelimiter('a;b;c\n1,5;2;3\n'), ';');
  assert.equal(detectDelimiter('a\tb\n1\t2\n'), '\t');
  assert.equal(detectDelimiter('a|b\n1|2\n'), '|');
  assert.equal(detectDelimiter('"x;y",b\n"1;2",3\n'), ',');
  assert.equal(detectDelimiter('justonecolumn\n'), ',');
});

test('header as a number skips leading lines, reads no header and keeps file line numbers', () => {
  const text = '3,2,no,yes\n1,2,0\n3,4,1\n5,6,0\n';

  const table = readCsvTable(text, 's.csv', { header: 1 });

  assert.equal(table.names, undefined);
  assert.equal(table.skipLines, 1);
  assert.deepEqual(table.rows.map((r) => r.line), [2, 3, 4]);
  assert.deepEqual(table.rows[0].cells, ['1', '2', '0']);
});

test('without skipping, the count line is a row of another width, and the hint names data.header', () => {
  const text = '3,2,no,yes\n1,2,0\n';

  const err = (() => {
    try {
      readCsvTable(text, 's.csv');
    } catch (e) {
      return e;
    }
    return undefined;
  })();

  assert.ok(err instanceof DataMalformedError);
  assert.match(err.message, /line 2 has 3 fields, expected 4 as on line 1/);
  assert.match(err.hint ?? '', /data\.header/);
});

test('skipping more lines than the file has is an error naming data.header', () => {
  assert.throws(() => readCsvTable('1,2\n', 's.csv', { header: 3 }), (e: unknown) => e instanceof DataMalformedError && /skip 3 lines/.test(e.message));
});

test('columns are found by name with a header and by index without', () => {
  const named = readCsvTable('a;b;y\n1;2;0\n', 't.csv');
  const plain = readCsvTable('1,2,0\n3,4,1\n', 't.csv', { header: false });

  assert.equal(columnIndex(named, 'b', 'data.featureColumns'), 1);
  assert.equal(columnIndex(plain, 2, 'data.labelColumn'), 2);
  assert.equal(columnIndex(named, 'zz', 'data.featureColumns', true), undefined);
  assert.throws(() => columnIndex(plain, 'a', 'data.featureColumns'), (e: unknown) => e instanceof ConfigError && e.path === 'data.featureColumns');
  assert.throws(() => columnIndex(plain, 3, 'data.labelColumn'), /must be in \[0, 3\)/);
});
