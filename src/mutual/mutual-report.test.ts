import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Evaluation } from '../engine/evaluate.js';
import { MutualConfigSchema } from './config.js';
import { curvesSvg, mutualComparison, mutualReportMarkdown, seedScores } from './mutual-report.js';
import type { MutualResult } from './run-mutual.js';

function evaluation(accs: number[], ensemble: number): Evaluation {
  return { members: accs.map((accuracy) => ({ accuracy, loss: 1 - accuracy })), ensemble: { accuracy: ensemble, loss: 1 - ensemble } };
}

const config = MutualConfigSchema.parse({
  mode: 'mutual',
  seeds: [0, 1],
  models: [{ type: 'mlp', hidden: [32, 16] }, { type: 'cnn', conv: [{ filters: 8 }, { filters: 4 }] }, { type: 'mlp' }],
  method: { name: 'distillation', temperature: 3 },
});

const RESULT: MutualResult = {
  config,
  method: 'distillation',
  data: 'mnist: 100 train / 2000 test',
  seeds: [0, 1].map((seed) => ({
    seed,
    models: ['cnn-2', 'mlp-3'],
    alone: evaluation([0.7 + seed / 100, 0.6], 0.72),
    joint: evaluation([0.75, 0.66 + seed / 100], 0.78),
    fixed: [{ name: 'mlp-1', role: 'teacher', test: { accuracy: 0.9 - seed / 100, loss: 0.1 } }],
    seconds: { alone: 12.4, joint: 30.6 },
  })),
};

test('seedScores takes per-model and ensemble accuracies and the fixed teacher of each seed', () => {
  const scores = seedScores(RESULT);

  assert.deepEqual(scores[1], {
    seed: 1,
    alone: { 'cnn-2': 0.71, 'mlp-3': 0.6, ensemble: 0.72 },
    joint: { 'cnn-2': 0.75, 'mlp-3': 0.67, ensemble: 0.78 },
    fixed: { 'mlp-1': { role: 'teacher', accuracy: 0.89 } },
  });
});

test('seedScores has no ensemble entry for a single scored model', () => {
  const one: MutualResult = { ...RESULT, seeds: RESULT.seeds.map((s) => ({ ...s, models: ['mlp-2'], alone: evaluation([0.5], 0.5), joint: evaluation([0.55], 0.55) })) };

  const scores = seedScores(one);

  assert.deepEqual(Object.keys(scores[0].alone), ['mlp-2']);
  assert.deepEqual(mutualComparison(one).rows.map((r) => r.name), ['mlp-2', 'mlp-1']);
});

test('mutualReportMarkdown describes the setup and has the comparison and a row per seed and phase', () => {
  const comparison = mutualComparison(RESULT);

  const md = mutualReportMarkdown(RESULT, comparison, 'wasm');

  assert.match(md, /^# jointly: distillation, joint vs alone\n/);
  assert.match(md, /- models: mlp 32-16, cnn 8-4, mlp 256-128\n/);
  assert.match(md, /- method options: \{"temperature":3,"alpha":0.9\}\n/);
  assert.match(md, /- seeds: 0, 1; backend: wasm\n/);
  assert.match(md, /\| mlp-1 \(teacher, alone only\) \| 89\.5 ± 0\.7 \| — \| — \|/);
  assert.match(md, /\*\*Training jointly beat training alone by 5\.5 pp per model on average \(95% CI \+5\.5 to \+5\.5 pp, 2 seeds\)\.\*\*/);
  assert.match(md, /\| seed \| phase \| cnn-2 \| mlp-3 \| ensemble \| train s \|/);
  assert.match(md, /\| 1 \| alone \| 71\.00 \| 60\.00 \| 72\.00 \| 12 \|\n\| 1 \| joint \| 75\.00 \| 67\.00 \| 78\.00 \| 31 \|\n$/);
});

test('curvesSvg draws a joint (solid) and an alone (dashed) line per model, in percent', () => {
  const svg = curvesSvg({ joint: { a: [0.5, 0.6] }, alone: { a: [0.4, 0.45] } }, 'curves');

  const paths = [...svg.matchAll(/<path [^>]*>/g)].map((m) => m[0]);
  assert.equal(paths.length, 2);
  assert.ok(!paths[0].includes('dasharray') && paths[1].includes('dasharray'));
  assert.ok(svg.includes('>a joint<') && svg.includes('>a alone<'));
  const yTicks = [...svg.matchAll(/<text [^>]*text-anchor="end">([^<]*)<\/text>/g)].map((m) => Number(m[1]));
  assert.ok(yTicks.length >= 2 && Math.min(...yTicks) >= 35 && Math.max(...yTicks) <= 65, `y ticks in percent: ${yTicks.join(', ')}`);
});

test('the report names the classes: given names first, else data.classes, else says they are unnamed', () => {
  // Arrange
  const named: MutualResult = { ...RESULT, config: MutualConfigSchema.parse({
      mode: 'mutual',
      seeds: [0, 1],
      models: [{ type: 'mlp', hidden: [32, 16] }, { type: 'cnn', conv: [{ filters: 8 }, { filters: 4 }] }, { type: 'mlp' }],
      method: { name: 'distillation', temperature: 3 },
      data: { dataset: 'mnist', classes: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] },
    }) };
  const c = mutualComparison(RESULT);
  // Act
  const given = mutualReportMarkdown(RESULT, c, 'cpu', { classNames: ['benign', 'malignant'] });
  const fromConfig = mutualReportMarkdown(named, c, 'cpu');
  const unnamed = mutualReportMarkdown(RESULT, c, 'cpu');
  // Assert
  assert.match(given, /^- classes: benign, malignant$/m);
  assert.match(fromConfig, /^- classes: zero, one, two, three, four, five, six, seven, eight, nine$/m);
  assert.match(unnamed, /^- classes: unnamed \(integer labels; name them with data\.classes\)$/m);
});
