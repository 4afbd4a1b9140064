import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../engine/testing.js';
import { compareJointAlone, comparisonMarkdown, comparisonText, verdict, type SeedScores } from './joint-vs-alone.js';

const SCORES: SeedScores[] = [
  { seed: 0, alone: { a: 0.8, b: 0.7, ensemble: 0.82 }, joint: { a: 0.85, b: 0.74, ensemble: 0.86 }, fixed: { t: { role: 'teacher', accuracy: 0.9 } } },
  { seed: 1, alone: { a: 0.78, b: 0.72, ensemble: 0.8 }, joint: { a: 0.8, b: 0.77, ensemble: 0.83 }, fixed: { t: { role: 'teacher', accuracy: 0.88 } } },
];

function row(c: ReturnType<typeof compareJointAlone>, name: string): ReturnType<typeof compareJointAlone>['rows'][number] {
  const r = c.rows.find((x) => x.name === name);
  assert.ok(r, `row ${name}`);
  return r;
}

test('compareJointAlone pairs joint and alone by seed for each model', () => {
  const c = compareJointAlone('dml on toy', SCORES);

  const a = row(c, 'a');
  assert.equal(a.kind, 'model');
  assertClose(a.delta.values, [0.05, 0.02], 1e-12, 'a deltas');
  assertClose([a.alone.mean, a.joint.mean, a.delta.mean], [0.79, 0.825, 0.035], 1e-12, 'a means');
  assertClose([a.delta.std], [Math.SQRT2 * 0.015], 1e-12, 'a delta std');
  assertClose(row(c, 'b').delta.values, [0.04, 0.05], 1e-12, 'b deltas');
  assert.deepEqual(c.seeds, [0, 1]);
  assert.equal(c.title, 'dml on toy');
});

test('compareJointAlone keeps the ensemble row out of the headline and adds fixed models alone only', () => {
  const c = compareJointAlone('t', SCORES);

  assert.deepEqual(c.rows.map((r) => `${r.name}:${r.kind}`), ['a:model', 'b:model', 'ensemble:ensemble', 't:fixed']);
  assertClose(row(c, 'ensemble').delta.values, [0.04, 0.03], 1e-12, 'ensemble deltas');
  const t = row(c, 't');
  assert.equal(t.role, 'teacher');
  assertClose([t.alone.mean], [0.89], 1e-12, 'teacher mean');
  assert.equal(t.joint.n, 0);
  assert.equal(t.delta.n, 0);
  // Headline: per seed, the mean delta over models a and b (not the ensemble).
  assertClose(c.meanModelDelta.values, [0.045, 0.035], 1e-12, 'per-seed mean model delta');
  assertClose([c.meanModelDelta.mean], [0.04], 1e-12, 'headline');
});

test('comparisonMarkdown is a table with one line per row, fixed models marked alone only', () => {
  const md = comparisonMarkdown(compareJointAlone('t', SCORES));

  const lines = md.split('\n');
  assert.equal(lines[0], '| model | alone acc % | joint acc % | Δ (pp) |');
  assert.equal(lines[1], '|---|---:|---:|---:|');
  assert.equal(lines.length, 2 + 4);
  assert.equal(lines[2], '| a | 79.0 ± 1.4 | 82.5 ± 3.5 | +3.5 ± 2.1 |');
  assert.equal(lines[5], '| t (teacher, alone only) | 89.0 ± 1.4 | — | — |');
  for (const l of lines) assert.equal(l.split('|').length, 6, l);
});

test('comparisonText aligns its columns under a header and a rule', () => {
  const text = comparisonText(compareJointAlone('t', SCORES.slice(0, 1)));

  const lines = text.split('\n');
  assert.equal(lines.length, 2 + 4);
  assert.match(lines[0], /^model\s+alone acc %\s+joint acc %\s+Δ \(pp\)$/);
  assert.match(lines[1], /^─+( {2}─+){3}$/);
  assert.match(lines[2], /^a\s+80\.0\s+85\.0\s+\+5\.0$/);
  assert.match(lines[4], /^ensemble\s+82\.0\s+86\.0\s+\+4\.0$/);
  assert.ok(lines.every((l) => l.length === lines[0].length), 'every line has the same width');
});

function scoresWithDeltas(deltas: number[]): SeedScores[] {
  return deltas.map((d, seed) => ({ seed, alone: { a: 0.5 }, joint: { a: 0.5 + d } }));
}

test('verdict says win, loss, tie or within noise', () => {
  assert.equal(verdict(compareJointAlone('t', scoresWithDeltas([0.03, 0.05]))), 'Training jointly beat training alone by 4.0 pp per model on average (2 seeds).');
  assert.equal(verdict(compareJointAlone('t', scoresWithDeltas([-0.021]))), 'Training jointly did worse than alone by 2.1 pp per model on average (1 seed).');
  assert.equal(verdict(compareJointAlone('t', scoresWithDeltas([0.01, -0.02, 0.015]))), 'Joint and alone are within noise: mean per-model difference +0.2 ± 1.9 pp over 3 seeds.');
  assert.equal(verdict(compareJointAlone('t', scoresWithDeltas([-0.01, 0.004]))), 'Joint and alone are within noise: mean per-model difference -0.3 ± 1.0 pp over 2 seeds.');
  assert.equal(verdict(compareJointAlone('t', scoresWithDeltas([0]))), 'Training jointly and alone gave the same accuracy (1 seed).');
});
