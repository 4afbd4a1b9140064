import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignTable } from './text-table.js';

const ROWS = [
  ['name', 'n', 'score'],
  ['alpha', '12', '0.5'],
  ['b', '3', '10.25'],
];

test('alignTable left-aligns the first column and right-aligns the others, two spaces apart', () => {
  assert.equal(alignTable(ROWS), ['name    n  score', 'alpha  12    0.5', 'b       3  10.25'].join('\n'));
});

test('alignTable draws a rule under the header when asked', () => {
  assert.equal(alignTable(ROWS, { rule: true }), ['name    n  score', '─────  ──  ─────', 'alpha  12    0.5', 'b       3  10.25'].join('\n'));
});

test('alignTable right-aligns from the given column; a left-aligned last column gets no trailing spaces', () => {
  assert.equal(alignTable(ROWS, { rightAlignFrom: 2 }), ['name   n   score', 'alpha  12    0.5', 'b      3   10.25'].join('\n'));
  assert.equal(alignTable(ROWS, { rightAlignFrom: 3 }), ['name   n   score', 'alpha  12  0.5', 'b      3   10.25'].join('\n'));
  assert.equal(alignTable(ROWS, { rightAlignFrom: 0 }), [' name   n  score', 'alpha  12    0.5', '    b   3  10.25'].join('\n'));
});

test('alignTable of no rows is empty, of a header alone is the header', () => {
  assert.equal(alignTable([]), '');
  assert.equal(alignTable([['a', 'bb']], { rule: true }), 'a  bb\n─  ──');
});

test('alignTable rejects rows of different lengths', () => {
  assert.throws(() => alignTable([['a', 'b'], ['c']]), /alignTable: row 1 has 1 cells, the first row 2/);
});
