import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../engine/testing.js';
import { deltaM } from './delta-m.js';
import {
  multitaskComparison,
  multitaskCurvesSvg,
  multitaskReportJson,
  multitaskReportMarkdown,
  multitaskReportText,
  multitaskVerdict,
  tableRows,
  type MultitaskComparison,
} from './multitask-report.js';
import type { MultitaskResult, MultitaskSeedResult, TaskSummary } from './result.js';

const TASKS: TaskSummary[] = [
  { name: 'digit', kind: 'classes', metric: 'accuracy', higherIsBetter: true, metrics: ['accuracy', 'macroF1', 'crossEntropy'], labelledTest: 1000, labelledTrain: 5000 },
  { name: 'price', kind: 'regression', metric: 'rmse', higherIsBetter: false, metrics: ['rmse', 'mae', 'r2'], labelledTest: 900, labelledTrain: 4500 },
];

/** Per seed: [single accuracy, multi accuracy, single rmse, multi rmse]. */
type Headlines = readonly [number, number, number, number];

function seed(s: number, [accS, accM, rmseS, rmseM]: Headlines, curves = true): MultitaskSeedResult {
  return {
    seed: s,
    single: { digit: { accuracy: accS, macroF1: accS - 0.02, crossEntropy: 0.6 }, price: { rmse: rmseS, mae: rmseS * 0.8, r2: 0.7 } },
    multi: { digit: { accuracy: accM, macroF1: accM - 0.02, crossEntropy: 0.5 }, price: { rmse: rmseM, mae: rmseM * 0.8, r2: 0.75 } },
    curves: curves
      ? { multi: { digit: [0.7, accM], price: [0.6, rmseM] }, single: { digit: [0.65, accS], price: [0.62, rmseS] } }
      : { multi: {}, single: {} },
    seconds: { multi: 10 + s, single: { digit: 6, price: 7 + s } },
    params: { multi: 1000, single: { digit: 800, price: 700 } },
    weights: [[1, 1]],
  };
}

function result(headlines: readonly Headlines[], opts: { curves?: boolean; tasks?: TaskSummary[] } = {}): MultitaskResult {
  return {
    name: 'toy',
    architecture: 'hard-sharing',
    weighting: 'ew',
    data: 'toy digits + prices (5000 train / 1000 test)',
    tasks: opts.tasks ?? TASKS,
    seeds: headlines.map((h, i) => seed(i, h, opts.curves ?? true)),
    epochs: 2,
    backend: 'cpu',
  };
}

// A clear gain on both tasks: accuracy up 2-4 pp, rmse down 0.04-0.05.
const GAIN: Headlines[] = [
  [0.8, 0.84, 0.5, 0.45],
  [0.82, 0.85, 0.52, 0.47],
  [0.81, 0.83, 0.48, 0.44],
];
// The same numbers with single and multi swapped: a clear loss.
const LOSS: Headlines[] = GAIN.map(([a, b, c, d]) => [b, a, d, c]);
// Accuracy +1, −1, 0 pp and rmse unchanged: noise.
const NOISE: Headlines[] = [
  [0.8, 0.81, 0.5, 0.5],
  [0.8, 0.79, 0.5, 0.5],
  [0.8, 0.8, 0.5, 0.5],
];

function rowsOf(c: MultitaskComparison): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let task = '';
  for (const row of tableRows(c)) {
    task = row[0] || task;
    out[`${task}/${row[1]}`] = row.slice(2);
  }
  return out;
}

test('multitaskComparison pairs single and multi by seed and prints % metrics in pp, rmse in its units', () => {
  const c = multitaskComparison(result(GAIN));

  const acc = c.tasks[0].metrics[0];
  assertClose(acc.delta.values, [0.04, 0.03, 0.02], 1e-12, 'accuracy deltas');
  const rmse = c.tasks[1].metrics[0];
  assertClose(rmse.delta.values, [-0.05, -0.05, -0.04], 1e-12, 'rmse deltas');
  const rows = rowsOf(c);
  // accuracy: single 81.00 ± 1.00, multi 84.00 ± 1.00, Δ +3.00 ± 1.00 pp;
  // CI 3 ± t_{0.975,2} × 1 / √3 = 3 ± 2.484 → +0.52 to +5.48.
  assert.deepEqual(rows['digit/accuracy % ↑'], ['81.00 ± 1.00', '84.00 ± 1.00', '+3.00 ± 1.00', '+0.52 to +5.48', 'better']);
  // rmse (lower is better): single 0.5000 ± 0.0200, multi 0.4533 ± 0.0153, Δ −0.0467 ± 0.0058;
  // CI −0.046667 ± 4.303 × 0.0057735 / √3 = ±0.014344 → −0.0610 to −0.0323, and a negative Δ reads "better".
  assert.deepEqual(rows['price/rmse ↓'], ['0.5000 ± 0.0200', '0.4533 ± 0.0153', '-0.0467 ± 0.0058', '-0.0610 to -0.0323', 'better']);
  // crossEntropy 0.6 → 0.5 in every seed: lower is better, std 0 so the CI is a point.
  assert.deepEqual(rows['digit/crossEntropy ↓'], ['0.6000 ± 0.0000', '0.5000 ± 0.0000', '-0.1000 ± 0.0000', '-0.1000 to -0.1000', 'better']);
  assert.deepEqual(Object.keys(rows), ['digit/accuracy % ↑', 'digit/macroF1 % ↑', 'digit/crossEntropy ↓', 'price/rmse ↓', 'price/mae ↓', 'price/r2 ↑'], 'headline first, every metric');
});

test('a larger rmse is a worse result: the loss fixture reads "worse" with a positive Δ', () => {
  const c = multitaskComparison(result(LOSS));

  const rows = rowsOf(c);

  assert.deepEqual(rows['price/rmse ↓'].slice(2), ['+0.0467 ± 0.0058', '+0.0323 to +0.0610', 'worse']);
  assert.equal(rows['digit/accuracy % ↑'][4], 'worse');
});

test('multitaskComparison computes Δm per seed against the single-task models, its mean and paired CI', () => {
  const c = multitaskComparison(result(GAIN));

  // Seed 0: accuracy (0.84 − 0.80)/0.80 = +5%, rmse −(0.45 − 0.50)/0.50 = +10% → 7.5.
  // Seed 1: +3.658537% and +9.615385% → 6.636961. Seed 2: +2.469136% and +8.333333% → 5.401235.
  const values = c.deltaM.perSeed.map((s) => s.result.value);
  assertClose(values, [7.5, 6.636961, 5.401235], 1e-6, 'Δm per seed');
  // Mean 6.512732, std 1.054883, half-width 4.303 × 1.054883 / √3 = 2.620687.
  assertClose([c.deltaM.summary.mean, c.deltaM.summary.std, c.deltaM.interval.low, c.deltaM.interval.high], [6.512732, 1.054883, 3.892045, 9.133419], 1e-6, 'Δm summary');
  assertClose([c.params.multi.mean, c.params.singleTotal.mean], [1000, 1500], 0, 'params');
  // Seconds: multi 10, 11, 12; single 6 + 7, 6 + 8, 6 + 9.
  assertClose([c.seconds.multi.mean, c.seconds.singleTotal.mean], [11, 14], 1e-12, 'seconds');
  assert.equal(c.title, 'ew on hard-sharing');
  assert.deepEqual(c.seeds, [0, 1, 2]);
});

test('multitaskVerdict claims a gain, a loss, or noise only as the Δm interval allows', () => {
  const gain = multitaskVerdict(multitaskComparison(result(GAIN)));
  const loss = multitaskVerdict(multitaskComparison(result(LOSS)));
  const noise = multitaskVerdict(multitaskComparison(result(NOISE)));

  assert.equal(gain, 'Multi-task training beat the single-task models: Δm +6.51% (95% CI +3.89 to +9.13%, 3 seeds).');
  // Loss: Δm per seed −7.936508, −7.083855, −5.750274; mean −6.923546, std 1.101898,
  // half-width 4.303 × 1.101898 / √3 = 2.737457 → −9.66 to −4.19.
  assert.equal(loss, 'Multi-task training did worse than the single-task models: Δm -6.92% (95% CI -9.66 to -4.19%, 3 seeds).');
  // Noise: Δm per seed +0.625, −0.625, 0 → mean 0, CI ±4.303 × 0.625 / √3 = ±1.55.
  assert.equal(noise, 'Multi-task and single-task models are within noise: Δm +0.00% (95% CI -1.55 to +1.55%, 3 seeds).');
});

test('multitaskVerdict with one seed says there is no noise estimate', () => {
  const v = multitaskVerdict(multitaskComparison(result(GAIN.slice(0, 1))));

  assert.equal(v, 'Multi-task vs single-task: Δm +7.50% (1 seed: no noise estimate; run more seeds to tell a gain from noise).');
  assert.doesNotMatch(v, /beat/);
});

test('multitaskVerdict names the task that got worse when Δm is positive overall', () => {
  // Accuracy +12.5%, +13.75%, +11.25% relative; rmse 0.50 → 0.51 (−2%) in every seed: Δm 5.25, 5.875, 4.625.
  const headlines: Headlines[] = [
    [0.8, 0.9, 0.5, 0.51],
    [0.8, 0.91, 0.5, 0.51],
    [0.8, 0.89, 0.5, 0.51],
  ];

  const v = multitaskVerdict(multitaskComparison(result(headlines)));

  assert.match(v, /^Multi-task training beat the single-task models: Δm \+5\.25% \(95% CI .* 3 seeds\); but task 'price' \(rmse \+0\.0100, beyond noise\) moved the wrong way\.$/);
});

test('Δm is undefined when a single-task value is 0, and the verdict and report say why', () => {
  const r = result(GAIN);
  const seeds = r.seeds.map((s, i) => (i === 1 ? { ...s, single: { ...s.single, price: { rmse: 0, mae: 0, r2: 1 } } } : s));
  const c = multitaskComparison({ ...r, seeds });

  const v = multitaskVerdict(c);
  const text = multitaskReportText(r, c);

  assert.ok(Number.isNaN(c.deltaM.summary.mean));
  assert.equal(v, "Δm is undefined, so there is no overall verdict: task 'price': single-task rmse is 0, so the relative difference is undefined (seed 1); compare the tasks one by one in the table.");
  assert.match(text, /Δm \(.*\): undefined, because task 'price': single-task rmse is 0/);
  assert.doesNotMatch(text, /Infinity/);
});

test('a NaN headline metric (AUC with one class) makes Δm undefined with the task named', () => {
  const tasks: TaskSummary[] = [{ name: 'flag', kind: 'binary', metric: 'auc', higherIsBetter: true, metrics: ['auc'], labelledTest: 10, labelledTrain: 50 }, TASKS[1]];
  const r = result(GAIN, { tasks });
  const seeds = r.seeds.map((s) => ({ ...s, single: { ...s.single, flag: { auc: 0.7 } }, multi: { ...s.multi, flag: { auc: Number.NaN } } }));
  const c = multitaskComparison({ ...r, seeds });

  const v = multitaskVerdict(c);
  const rows = rowsOf(c);

  assert.match(v, /^Δm is undefined.*task 'flag': multi-task auc is NaN .*\(seeds 0, 1, 2\)/);
  assert.deepEqual(rows['flag/auc % ↑'], ['70.00 ± 0.00', 'NaN ± NaN', 'NaN ± NaN', '—', '—']);
});

test('multitaskReportText aligns the table and ends with the verdict', () => {
  const r = result(GAIN);
  const c = multitaskComparison(r);

  const text = multitaskReportText(r, c);

  const lines = text.trimEnd().split('\n');
  const header = lines.findIndex((l) => l.startsWith('task'));
  const table = lines.slice(header, header + 2 + 6);
  const width = table[0].length;
  for (const l of table) assert.equal(l.length, width, `aligned: ${JSON.stringify(l)}`);
  assert.match(table[1], /^─+/);
  assert.match(text, /parameters: 1,000 multi-task vs 1,500 for the 2 single-task models together \(0\.67×\)\./);
  assert.match(text, /training time: 11\.0 s multi-task vs 14\.0 s for the 2 single-task models together \(mean over 3 seeds\)\./);
  assert.match(text, /Δm \(.*\): \+6\.51 ± 1\.05% \(95% CI \+3\.89 to \+9\.13%, 3 seeds\); per seed \+7\.50, \+6\.64, \+5\.40\./);
  assert.equal(lines.at(-1), multitaskVerdict(c));
});

test('multitaskReportMarkdown has the title, setup, table with every metric, Δm, costs, verdict and per-seed rows', () => {
  const r = result(GAIN);
  const c = multitaskComparison(r);

  const md = multitaskReportMarkdown(r, c);

  assert.match(md, /^# jointly: multi-task, hard-sharing \+ ew, multi-task vs single-task\n/);
  assert.match(md, /- data: toy digits \+ prices/);
  assert.match(md, /- training: 2 epochs per model; seeds: 0, 1, 2; backend: cpu/);
  assert.match(md, /\| digit \| accuracy % ↑ \| 81\.00 ± 1\.00 \| 84\.00 ± 1\.00 \| \+3\.00 ± 1\.00 \| \+0\.52 to \+5\.48 \| better \|/);
  for (const m of ['macroF1', 'crossEntropy', 'mae', 'r2']) assert.match(md, new RegExp(`\\| ${m} `), m);
  assert.match(md, /- Δm .*\+6\.51 ± 1\.05%/);
  assert.match(md, /- parameters: 1,000 multi-task/);
  assert.ok(md.includes(`**${multitaskVerdict(c)}**`));
  // Per seed: seed 0's headline values and Δm.
  assert.match(md, /\| 0 \| 80\.00 \| 84\.00 \| 0\.5000 \| 0\.4500 \| \+7\.50 \| 10\.0 \| 13\.0 \|/);
});

test('multitaskReportJson survives JSON and keeps the raw per-seed values to recompute Δm', () => {
  const r = result(GAIN);
  const seeds = r.seeds.map((s) => ({ ...s, multi: { ...s.multi, digit: { ...s.multi.digit, macroF1: Number.NaN } } }));
  const withNaN = { ...r, seeds };
  const c = multitaskComparison(withNaN);

  const json = multitaskReportJson(withNaN, c);
  const back = JSON.parse(JSON.stringify(json)) as typeof json;

  assert.deepEqual(back, json, 'plain JSON: nothing lost in a round trip');
  assert.equal(back.seeds[0].multi.digit.macroF1, null, 'NaN is written as null');
  assert.equal(back.verdict, multitaskVerdict(c));
  const recomputed = back.seeds.map((s) => deltaM(TASKS, s.multi as Record<string, Record<string, number>>, s.single as Record<string, Record<string, number>>).value);
  assertClose(recomputed, [7.5, 6.636961, 5.401235], 1e-6, 'Δm from the JSON');
  assertClose(back.comparison.deltaM.summary.values as number[], recomputed, 1e-12, 'stored Δm values');
});

/** Element names of `svg` in order, checking that tags balance. */
function elements(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else {
      names.push(name);
      if (!self) stack.push(name);
    }
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  return names;
}

test('multitaskCurvesSvg draws one path per task and phase, single-task dashed, in a panel per headline metric', () => {
  const svg = multitaskCurvesSvg(result(GAIN));

  assert.ok(svg !== undefined);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  const names = elements(svg);
  assert.equal(names.filter((n) => n === 'path').length, 4, 'digit and price, multi and single');
  assert.equal(names.filter((n) => n === 'svg').length, 3, 'root + an accuracy and an rmse panel');
  const paths = [...svg.matchAll(/<path [^>]*>/g)].map((m) => m[0]);
  assert.equal(paths.filter((p) => p.includes('stroke-dasharray')).length, 2, 'the single-task curves are dashed');
  assert.ok(svg.includes('digit multi-task') && svg.includes('price single-task'));
  assert.doesNotMatch(svg, /NaN|Infinity/);
});

test('multitaskCurvesSvg puts tasks with the same metric in one chart, averaging seeds per epoch', () => {
  const both: TaskSummary[] = [TASKS[0], { ...TASKS[0], name: 'other' }];
  const r = result(GAIN, { tasks: both });
  const seeds = r.seeds.map((s) => ({ ...s, curves: { multi: { digit: [0.7, 0.8], other: [0.5, 0.6] }, single: { digit: [0.6, 0.7], other: [0.4, 0.5] } } }));

  const svg = multitaskCurvesSvg({ ...r, seeds });

  assert.ok(svg !== undefined);
  const names = elements(svg);
  assert.equal(names.filter((n) => n === 'svg').length, 1, 'one chart');
  assert.equal(names.filter((n) => n === 'path').length, 4);
  assert.match(svg, /validation accuracy \(%\)/);
});

test('multitaskCurvesSvg returns undefined without curves', () => {
  assert.equal(multitaskCurvesSvg(result(GAIN, { curves: false })), undefined);
});
