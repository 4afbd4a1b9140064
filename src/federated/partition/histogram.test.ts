import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelHistograms, renderHistogramTable, summarizeHistograms } from './histogram.js';

const labels = Int32Array.from([0, 1, 1, 2, 2, 2, 0, 1]);
const parts = [Int32Array.from([0, 6]), Int32Array.from([1, 3, 4]), Int32Array.from([2, 5, 7])];

test('labelHistograms counts each client classes', () => {
  const histograms = labelHistograms(labels, 3, parts);

  assert.deepEqual(histograms, [
    [2, 0, 0],
    [0, 1, 2],
    [0, 2, 1],
  ]);
});

test('summarizeHistograms gives sizes, classes present and effective classes', () => {
  const summary = summarizeHistograms(labelHistograms(labels, 3, parts));

  // Sizes 2, 3, 3: mean 8/3, sd sqrt(2/9). Effective classes: 1, 1/(1/9 + 4/9) = 1.8, 1.8.
  assert.equal(summary.numClients, 3);
  assert.equal(summary.totalSamples, 8);
  assert.equal(summary.minSize, 2);
  assert.equal(summary.maxSize, 3);
  assert.ok(Math.abs(summary.meanSize - 8 / 3) < 1e-12);
  assert.ok(Math.abs(summary.sizeCv - Math.sqrt(2 / 9) / (8 / 3)) < 1e-12);
  assert.ok(Math.abs(summary.meanClassesPresent - 5 / 3) < 1e-12);
  assert.ok(Math.abs(summary.meanEffectiveClasses - (1 + 1.8 + 1.8) / 3) < 1e-12);
});

test('summarizeHistograms of no clients is all zeros', () => {
  const summary = summarizeHistograms([]);

  assert.equal(summary.numClients, 0);
  assert.equal(summary.meanEffectiveClasses, 0);
  assert.equal(summary.minSize, 0);
});

test('renderHistogramTable writes a right-aligned Markdown table', () => {
  const table = renderHistogramTable(labelHistograms(labels, 3, parts), { classNames: ['cat', 'dog', 'bird'] });

  assert.equal(
    table,
    [
      '| client |   n | cat | dog | bird |',
      '|-------:|----:|----:|----:|-----:|',
      '|      0 |   2 |   2 |   0 |    0 |',
      '|      1 |   3 |   0 |   1 |    2 |',
      '|      2 |   3 |   0 |   2 |    1 |',
    ].join('\n'),
  );
});

test('renderHistogramTable cuts long tables at maxRows and says how many are hidden', () => {
  const table = renderHistogramTable(labelHistograms(labels, 3, parts), { maxRows: 1 });

  const lines = table.split('\n');
  assert.equal(lines[0], '| client |   n |   0 |   1 |   2 |');
  assert.equal(lines.length, 5);
  assert.equal(lines[4], '(2 more clients not shown)');
});
