import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMissingError } from '../errors.js';
import { assertClose } from '../engine/testing.js';
import { deltaM, deltaMSummary, summarizeDeltaM, type DeltaMResult, type DeltaMTask } from './delta-m.js';

const TWO_CLASSIFIERS: DeltaMTask[] = [
  { name: 'left', metric: 'accuracy', higherIsBetter: true },
  { name: 'right', metric: 'accuracy', higherIsBetter: true },
];

function defined(r: DeltaMResult): Extract<DeltaMResult, { kind: 'defined' }> {
  assert.equal(r.kind, 'defined', JSON.stringify(r));
  return r as Extract<DeltaMResult, { kind: 'defined' }>;
}

function undefinedResult(r: DeltaMResult): Extract<DeltaMResult, { kind: 'undefined' }> {
  assert.equal(r.kind, 'undefined', JSON.stringify(r));
  return r as Extract<DeltaMResult, { kind: 'undefined' }>;
}

test('deltaM of the issue 11 MultiFashion means: equal weights lose about 2.47% to single-task', () => {
  // Single-task 83.42 / 82.38, equal weights 81.53 / 80.18 (issue 11's reference protocol).
  // By hand: (81.53 − 83.42)/83.42 = −0.0226564, (80.18 − 82.38)/82.38 = −0.0267055;
  // Δm = 100/2 × (−0.0493619) = −2.468095.
  const r = defined(deltaM(TWO_CLASSIFIERS, { left: { accuracy: 0.8153 }, right: { accuracy: 0.8018 } }, { left: { accuracy: 0.8342 }, right: { accuracy: 0.8238 } }));

  assertClose([r.value], [-2.468095], 1e-5, 'Δm');
  assertClose([r.relative.left, r.relative.right], [-2.265644, -2.670551], 1e-5, 'per-task relative differences');
  // The issue quotes −2.46 ± 0.35, the mean of per-seed Δm; Δm of the means differs by less than 0.01.
  assert.ok(Math.abs(r.value - -2.46) < 0.01, `${r.value} is near the issue's -2.46`);
});

test('deltaM flips the sign for a lower-is-better metric: a smaller rmse is a gain', () => {
  const tasks: DeltaMTask[] = [
    { name: 'kind', metric: 'accuracy', higherIsBetter: true },
    { name: 'price', metric: 'rmse', higherIsBetter: false },
  ];

  // accuracy 0.80 → 0.84: +5%; rmse 0.50 → 0.45: −(0.45 − 0.50)/0.50 = +10%; Δm = (5 + 10)/2 = 7.5.
  const gain = defined(deltaM(tasks, { kind: { accuracy: 0.84 }, price: { rmse: 0.45 } }, { kind: { accuracy: 0.8 }, price: { rmse: 0.5 } }));
  // rmse 0.50 → 0.60 is a loss of 20%; with accuracy unchanged Δm = −10.
  const loss = defined(deltaM(tasks, { kind: { accuracy: 0.8 }, price: { rmse: 0.6 } }, { kind: { accuracy: 0.8 }, price: { rmse: 0.5 } }));

  assertClose([gain.value, gain.relative.kind, gain.relative.price], [7.5, 5, 10], 1e-9, 'gain');
  assertClose([loss.value, loss.relative.kind, loss.relative.price], [-10, 0, -20], 1e-9, 'loss');
});

test('deltaM divides by |single| so that a negative baseline keeps positive meaning better', () => {
  const tasks: DeltaMTask[] = [{ name: 'y', metric: 'r2', higherIsBetter: true }];

  // R² −0.5 → −0.25 is better: (−0.25 − (−0.5)) / 0.5 = +50%.
  const r = defined(deltaM(tasks, { y: { r2: -0.25 } }, { y: { r2: -0.5 } }));

  assertClose([r.value], [50], 1e-9, 'Δm');
});

test('deltaM is NaN, naming the task, when the single-task value is 0', () => {
  const tasks: DeltaMTask[] = [
    { name: 'kind', metric: 'accuracy', higherIsBetter: true },
    { name: 'price', metric: 'rmse', higherIsBetter: false },
  ];

  const r = undefinedResult(deltaM(tasks, { kind: { accuracy: 0.9 }, price: { rmse: 0.1 } }, { kind: { accuracy: 0.8 }, price: { rmse: 0 } }));

  assert.ok(Number.isNaN(r.value));
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].task, 'price');
  assert.equal(r.problems[0].cause, 'zero-single');
  assert.match(r.problems[0].message, /price.*rmse is 0/);
});

test('deltaM is NaN, naming the task, for a NaN metric or a missing value', () => {
  const tasks: DeltaMTask[] = [
    { name: 'flag', metric: 'auc', higherIsBetter: true },
    { name: 'kind', metric: 'accuracy', higherIsBetter: true },
    { name: 'other', metric: 'accuracy', higherIsBetter: true },
  ];

  const r = undefinedResult(
    deltaM(tasks, { flag: { auc: Number.NaN }, kind: { accuracy: 0.9 }, other: { accuracy: 0.5 } }, { flag: { auc: 0.7 }, kind: {}, other: { accuracy: 0.5 } }),
  );

  assert.ok(Number.isNaN(r.value));
  assert.deepEqual(
    r.problems.map((p) => `${p.task}:${p.cause}`),
    ['flag:non-finite', 'kind:missing'],
  );
  assert.match(r.problems[0].message, /flag.*multi-task auc is NaN/);
  assert.match(r.problems[1].message, /kind.*single-task model has no accuracy/);
});

test('deltaM refuses an empty task list with a typed error', () => {
  assert.throws(() => deltaM([], {}, {}), DataMissingError);
});

test('summarizeDeltaM gives mean ± std and the paired t interval over seeds', () => {
  const values = [-2.1, -2.5, -2.8];
  const perSeed = values.map((v, seed) => ({ seed, result: { kind: 'defined', value: v, relative: {} } as DeltaMResult }));

  const s = summarizeDeltaM(perSeed);

  // By hand: mean −2.466667; deviations 0.366667, −0.033333, −0.333333; Σd² = 0.246667;
  // std = √(0.246667/2) = 0.351188; half-width = t_{0.975,2} × std / √3 = 4.303 × 0.202759 = 0.872472.
  assertClose([s.summary.mean, s.summary.std], [-2.466667, 0.351188], 1e-5, 'mean and std');
  assertClose([s.interval.halfWidth, s.interval.low, s.interval.high], [0.872472, -3.339139, -1.594195], 1e-5, 'interval');
  assert.equal(s.summary.n, 3);
  assert.deepEqual(s.problems, []);
});

test('summarizeDeltaM is NaN when a seed is undefined and keeps that seed\'s reasons', () => {
  const tasks: DeltaMTask[] = [{ name: 'price', metric: 'rmse', higherIsBetter: false }];
  const perSeed = [
    { seed: 0, result: deltaM(tasks, { price: { rmse: 0.4 } }, { price: { rmse: 0.5 } }) },
    { seed: 7, result: deltaM(tasks, { price: { rmse: 0.4 } }, { price: { rmse: 0 } }) },
  ];

  const s = summarizeDeltaM(perSeed);

  assert.ok(Number.isNaN(s.summary.mean) && Number.isNaN(s.interval.low));
  assert.equal(s.problems.length, 1);
  assert.equal(s.problems[0].seed, 7);
  assert.equal(s.problems[0].cause, 'zero-single');
  assertClose([s.perSeed[0].result.value], [20], 1e-9, 'the defined seed');
});

test('deltaMSummary computes Δm for every seed of a run', () => {
  const tasks: DeltaMTask[] = [{ name: 'price', metric: 'rmse', higherIsBetter: false }];
  const seeds = [
    { seed: 3, multi: { price: { rmse: 0.4 } }, single: { price: { rmse: 0.5 } } },
    { seed: 4, multi: { price: { rmse: 0.6 } }, single: { price: { rmse: 0.5 } } },
  ];

  // Seed 3: −(0.4 − 0.5)/0.5 = +20%; seed 4: −(0.6 − 0.5)/0.5 = −20%.
  const s = deltaMSummary({ tasks: tasks.map((t) => ({ ...t, kind: 'regression', metrics: ['rmse'], labelledTest: 1, labelledTrain: 1 })), seeds: seeds.map((x) => ({ ...x, curves: { multi: {}, single: {} }, seconds: { multi: 0, single: {} }, params: { multi: 0, single: {} }, weights: [] })) });

  assert.deepEqual(s.perSeed.map((p) => p.seed), [3, 4]);
  assertClose(s.summary.values, [20, -20], 1e-9, 'Δm per seed');
  assertClose([s.summary.mean], [0], 1e-9, 'mean');
});
