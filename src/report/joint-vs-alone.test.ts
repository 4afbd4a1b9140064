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
  // Its paired 95% interval: std = 0.005 * sqrt(2), half width 12.706 * 0.005 = 0.06353.
  const ci = c.meanModelInterval;
  assert.equal(ci.n, 2);
  assertClose([ci.mean, ci.halfWidth, ci.low, ci.high], [0.04, 0.06353, -0.02353, 0.10353], 1e-12, 'headline interval');
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

/** The [alone, joint, Δ] numbers of a table line, as printed (the ± parts dropped). */
function printedNumbers(cellTexts: string[]): [number, number, number] {
  const [alone, joint, delta] = cellTexts.slice(1, 4).map((cell) => Number(cell.split(' ± ')[0]));
  return [alone, joint, delta];
}

/** 79.149 prints as 79.1 and 72.351 as 72.4: the unrounded Δ 6.798 would print as +6.8. */
const ROUNDING: SeedScores[] = [
  { seed: 0, alone: { a: 0.72 }, joint: { a: 0.79 } },
  { seed: 1, alone: { a: 0.72702 }, joint: { a: 0.79298 } },
];

test('the printed Δ is the printed joint minus the printed alone, with the std of the paired differences', () => {
  const c = compareJointAlone('t', ROUNDING);
  assertClose([row(c, 'a').delta.mean], [0.06798], 1e-12, 'unrounded mean delta');

  const md = comparisonMarkdown(c).split('\n');
  const text = comparisonText(c).split('\n');

  // Paired differences 0.07 and 0.06596: std 0.00404 / sqrt(2) = 0.29 pp.
  assert.equal(md[2], '| a | 72.4 ± 0.5 | 79.1 ± 0.2 | +6.7 ± 0.3 |');
  assert.match(text[2], /^a\s+72\.4 ± 0\.5\s+79\.1 ± 0\.2\s+\+6\.7 ± 0\.3$/);
});

test('every printed Δ adds up with its printed columns, in both tables', () => {
  for (const scores of [SCORES, SCORES.slice(1), ROUNDING]) {
    const c = compareJointAlone('t', scores);
    const mdRows = comparisonMarkdown(c).split('\n').slice(2).map((l) => l.slice(2, -2).split(' | '));
    const textRows = comparisonText(c).split('\n').slice(2).map((l) => l.split(/ {2,}/));
    for (const cellTexts of [...mdRows, ...textRows].filter((cs) => !cs[0].includes('alone only'))) {
      const [alone, joint, delta] = printedNumbers(cellTexts);
      assert.ok(Math.abs(joint - alone - delta) < 1e-9, `${cellTexts.join(' | ')}: ${joint} - ${alone} != ${delta}`);
    }
  }
});

function scoresWithDeltas(deltas: number[]): SeedScores[] {
  return deltas.map((d, seed) => ({ seed, alone: { a: 0.5 }, joint: { a: 0.5 + d } }));
}

const verdictOf = (deltas: number[]): string => verdict(compareJointAlone('t', scoresWithDeltas(deltas)));

test('verdict with one seed gives the difference and says there is no noise estimate', () => {
  const note = '(1 seed: no noise estimate; run more seeds to tell gain from noise).';
  assert.equal(verdictOf([0.054]), `Jointly: +5.4 pp per model on average vs alone ${note}`);
  assert.equal(verdictOf([-0.021]), `Jointly: -2.1 pp per model on average vs alone ${note}`);
  assert.equal(verdictOf([0]), `Jointly: +0.0 pp per model on average vs alone ${note}`);
});

test('verdict claims a win or a loss only when the paired 95% interval excludes 0', () => {
  // mean 3.4, std 0.5, half width 4.303 * 0.5 / sqrt(3) = 1.24 pp.
  assert.equal(verdictOf([0.029, 0.034, 0.039]), 'Training jointly beat training alone by 3.4 pp per model on average (95% CI +2.2 to +4.6 pp, 3 seeds).');
  // mean -3.1, std 0.1 * sqrt(2), half width 12.706 * 0.1 = 1.27 pp.
  assert.equal(verdictOf([-0.03, -0.032]), 'Training jointly did worse than alone by 3.1 pp per model on average (95% CI -4.4 to -1.8 pp, 2 seeds).');
  // mean 1.0 < std 1.21 (the old rule said "within noise"), but with 9 seeds the half width is 2.306 * 1.21 / 3 = 0.93 pp.
  const nine = [-0.004, -0.004, -0.004, 0.01, 0.01, 0.01, 0.024, 0.024, 0.024];
  assert.equal(verdictOf(nine), 'Training jointly beat training alone by 1.0 pp per model on average (95% CI +0.1 to +1.9 pp, 9 seeds).');
});

test('verdict says within noise when the interval includes 0', () => {
  // mean 4.0 > std 1.4 (the old rule said "beat"), but with 2 seeds the half width is 12.706 * 1.0 = 12.7 pp.
  assert.equal(verdictOf([0.03, 0.05]), 'Joint and alone are within noise: +4.0 pp per model on average (95% CI -8.7 to +16.7 pp, 2 seeds).');
  // mean 0.17, std 1.89, half width 4.303 * 1.89 / sqrt(3) = 4.70 pp.
  assert.equal(verdictOf([0.01, -0.02, 0.015]), 'Joint and alone are within noise: +0.2 pp per model on average (95% CI -4.5 to +4.9 pp, 3 seeds).');
  assert.equal(verdictOf([-0.01, 0.004]), 'Joint and alone are within noise: -0.3 pp per model on average (95% CI -9.2 to +8.6 pp, 2 seeds).');
  assert.equal(verdictOf([0, 0]), 'Joint and alone are within noise: +0.0 pp per model on average (95% CI +0.0 to +0.0 pp, 2 seeds).');
});

test('verdict uses the mean over models of each seed, not the ensemble', () => {
  const scores: SeedScores[] = [
    { seed: 0, alone: { a: 0.5, b: 0.6, ensemble: 0.6 }, joint: { a: 0.53, b: 0.62, ensemble: 0.9 } },
    { seed: 1, alone: { a: 0.5, b: 0.6, ensemble: 0.6 }, joint: { a: 0.54, b: 0.63, ensemble: 0.9 } },
  ];
  // Per seed: (3 + 2) / 2 = 2.5 and (4 + 3) / 2 = 3.5 pp; std 0.5 * sqrt(2), half width 12.706 * 0.5 = 6.35 pp.
  assert.equal(verdict(compareJointAlone('t', scores)), 'Joint and alone are within noise: +3.0 pp per model on average (95% CI -3.4 to +9.4 pp, 2 seeds).');
});

test('verdict without seeds says there is nothing to compare', () => {
  assert.equal(verdict(compareJointAlone('t', [])), 'No seeds: nothing to compare.');
});
