import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRemainingSeconds, formatDuration, interleavedSchedule, median } from './interleave.js';

test('interleavedSchedule alternates the sides within each repetition, per model, per thread count', () => {
  const sides = (model: string): string[] => (model === 'mlp' ? ['jointly', 'pytorch', 'sgemm'] : ['jointly', 'pytorch']);

  const schedule = interleavedSchedule({ models: ['mlp', 'cnn'], threads: [1, 2], repeats: 2, sides });

  const line = (s: (typeof schedule)[number]): string => `${s.threads}t ${s.model} r${s.repeat} ${s.side}`;
  assert.deepEqual(schedule.slice(0, 10).map(line), [
    '1t mlp r0 jointly', '1t mlp r0 pytorch', '1t mlp r0 sgemm',
    '1t mlp r1 jointly', '1t mlp r1 pytorch', '1t mlp r1 sgemm',
    '1t cnn r0 jointly', '1t cnn r0 pytorch',
    '1t cnn r1 jointly', '1t cnn r1 pytorch',
  ]);
  assert.equal(schedule.length, 2 * (2 * 3 + 2 * 2));
  assert.deepEqual(schedule.slice(10).map(line), schedule.slice(0, 10).map(line).map((l) => l.replace(/^1t/, '2t')));
});

test('interleavedSchedule refuses a repeat count that is not a positive integer', () => {
  assert.throws(() => interleavedSchedule({ models: ['mlp'], threads: [1], repeats: 0, sides: () => ['a'] }), RangeError);
  assert.throws(() => interleavedSchedule({ models: ['mlp'], threads: [1], repeats: 1.5, sides: () => ['a'] }), RangeError);
});

test('median: the middle value, or the mean of the middle two, whatever the input order', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), RangeError);
});

test('median does not reorder its input', () => {
  const xs = [3, 1, 2];
  median(xs);
  assert.deepEqual(xs, [3, 1, 2]);
});

test('estimateRemainingSeconds scales the expected rest by how long the finished measurements took against their estimate', () => {
  assert.equal(estimateRemainingSeconds([], [5, 5]), 10);
  // Finished ones took 1.5x their estimate: the rest will too.
  assert.ok(Math.abs(estimateRemainingSeconds([{ expected: 4, actual: 6 }, { expected: 6, actual: 9 }], [10, 2]) - 18) < 1e-9);
  assert.equal(estimateRemainingSeconds([{ expected: 4, actual: 6 }], []), 0);
});

test('formatDuration: seconds, then minutes and seconds, then hours and minutes', () => {
  assert.equal(formatDuration(0.4), '0 s');
  assert.equal(formatDuration(59.4), '59 s');
  assert.equal(formatDuration(185), '3 min 05 s');
  assert.equal(formatDuration(3720), '1 h 02 min');
  assert.equal(formatDuration(-3), '0 s');
});
