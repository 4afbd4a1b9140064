import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multimodalMarkdown, multimodalText, multimodalVerdict, summarizeMultimodal } from './multimodal-report.js';
import type { MultimodalResult, MultimodalSeedResult } from './result.js';

function seed(s: number, a: number, b: number, ens: number, concat: number, late: number): MultimodalSeedResult {
  return {
    seed: s,
    alone: { view1: a, view2: b },
    ensemble: ens,
    fused: { concat, 'late-mean': late },
    robustness: { concat: { view1: 0.5, view2: 0.78 }, 'late-mean': { view1: 0.6, view2: 0.8 } },
    seconds: { alone: { view1: 1, view2: 1 }, fused: { concat: 2, 'late-mean': 2 } },
    params: { alone: { view1: 10, view2: 10 }, fused: { concat: 20, 'late-mean': 20 } },
    losses: { 'alone/view1': [1, 0.5], 'fused/concat': [0.9, 0.4] },
  };
}

function result(seeds: MultimodalSeedResult[]): MultimodalResult {
  return {
    name: 'test',
    data: 'two views',
    modalities: [
      { name: 'view1', kind: 'image', encoder: 'mlp', preprocessor: 'image', presentTrain: 10 },
      { name: 'view2', kind: 'image', encoder: 'mlp', preprocessor: 'image', presentTrain: 10 },
    ],
    fusions: [
      { label: 'concat', name: 'concat', options: {}, description: '' },
      { label: 'late-mean', name: 'late-mean', options: {}, description: '' },
    ],
    missing: { handling: 'zeros', dropout: 0 },
    numClasses: 10,
    trainSamples: 10,
    testSamples: 10,
    epochs: 2,
    backend: 'cpu',
    seeds,
  };
}

test('summarizeMultimodal: best single modality, fused minus best and minus ensemble paired by seed', () => {
  const r = result([seed(0, 0.83, 0.8, 0.92, 0.9, 0.95), seed(1, 0.84, 0.79, 0.93, 0.91, 0.96), seed(2, 0.82, 0.8, 0.91, 0.89, 0.94)]);
  const s = summarizeMultimodal(r);
  assert.equal(s.best, 'view1');
  const concat = s.fused.find((f) => f.label === 'concat');
  assert.ok(concat !== undefined);
  assert.ok(Math.abs(concat.overBest.mean - 0.07) < 1e-9);
  assert.ok(concat.overBest.low > 0);
  // concat is 2 pp below the ensemble on every seed: a loss, with a CI that excludes 0 (std 0).
  assert.ok(Math.abs(concat.overEnsemble.mean + 0.02) < 1e-9);
  const verdict = multimodalVerdict(r, s);
  assert.match(verdict[0], /Fused \(concat\) beat the best single modality \(view1\)/);
  assert.match(verdict[0], /it lost to the ensemble/);
  assert.match(verdict[1], /late-mean\) beat the best single modality.*it beat the ensemble/);
});

test('multimodalMarkdown: the main table, the robustness table with the remaining modality alone', () => {
  const r = result([seed(0, 0.83, 0.8, 0.92, 0.9, 0.95), seed(1, 0.84, 0.79, 0.93, 0.91, 0.96)]);
  const md = multimodalMarkdown(r);
  assert.match(md, /\| view1 alone \(mlp\) — best single \| 83\.5 ± 0\.7 \| 0 \|/);
  assert.match(md, /\| ensemble of the alone models \| 92\.5 ± 0\.7 \|/);
  assert.match(md, /\| fused: concat \| 90\.5 ± 0\.7 \| \+7\.0/);
  assert.match(md, /\| model \| all modalities \| without view1 \| without view2 \|/);
  // Without view1, the reference is view2's own model; without view2, view1's.
  assert.match(md, /\| best remaining modality alone \| — \| 79\.5 ± 0\.7 \(view2\) \| 83\.5 ± 0\.7 \(view1\) \|/);
  const text = multimodalText(r);
  assert.match(text, /Robustness/);
});

test('multimodalVerdict: one seed says there is no noise estimate; a tie is within noise', () => {
  const one = result([seed(0, 0.83, 0.8, 0.92, 0.9, 0.83)]);
  assert.match(multimodalVerdict(one, summarizeMultimodal(one))[0], /1 seed: no noise estimate/);
  const tie = result([seed(0, 0.83, 0.8, 0.92, 0.84, 0.9), seed(1, 0.83, 0.8, 0.92, 0.82, 0.9)]);
  assert.match(multimodalVerdict(tie, summarizeMultimodal(tie))[0], /concat\) is within noise of the best single modality/);
});
