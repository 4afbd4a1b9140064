import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlignmentResult } from './alignment-result.js';
import { alignmentReportMarkdown } from './alignment-report.js';

const direction = (r1: number, r5: number, r10: number, mean: number) => ({ recall: { 1: r1, 5: r5, 10: r10 }, meanRank: mean, medianRank: mean - 1 });

const RESULT: AlignmentResult = {
  mode: 'alignment',
  loss: { name: 'siglip', options: {} },
  towers: { a: { modality: 'image', encoder: 'cnn', width: 128 }, b: { modality: 'text', encoder: 'transformer', width: 64 } },
  dim: 32,
  seed: 0,
  backend: 'wasm',
  trainPairs: 500,
  testPairs: 100,
  epochs: [
    { epoch: 1, loss: 5.5, temperature: 0.1, parameters: { logitScale: 10, bias: -9.5 }, seconds: 1.2 },
    { epoch: 2, loss: 4.25, temperature: 0.09, parameters: { logitScale: 11.1, bias: -9.25 }, seconds: 1.1 },
  ],
  recallAt: [1, 5, 10],
  retrieval: { trained: { aToB: direction(0.05, 0.2, 0.31, 20), bToA: direction(0.04, 0.19, 0.3, 21), n: 100 }, untrained: { aToB: direction(0.01, 0.05, 0.1, 50), bToA: direction(0.01, 0.05, 0.09, 51), n: 100 }, chance: { 1: 0.01, 5: 0.05, 10: 0.1 } },
  zeroShot: { promptTower: 'b', classifiedModality: 'image', prompts: 10, samples: 100, trained: 0.42, untrained: 0.11, chance: 0.1 },
  probe: { tower: 'a', modality: 'image', features: 'encoder', trainSamples: 500, testSamples: 100, aligned: { accuracy: 0.56, trainAccuracy: 0.9, trainLoss: 0.3 }, untrained: { accuracy: 0.4, trainAccuracy: 0.8, trainLoss: 0.5 } },
  seconds: 4.5,
  trainSeconds: 2.3,
};

test('alignmentReportMarkdown: the retrieval table both ways, zero-shot, the probe with its gain, and the epochs', () => {
  const md = alignmentReportMarkdown(RESULT);
  assert.match(md, /^# jointly: alignment, image ↔ text \(siglip\)/);
  assert.match(md, /\| direction \| model \| R@1 \| R@5 \| R@10 \| mean rank \| median rank \|/);
  assert.match(md, /\| image → text \| aligned \| 5\.0 \| 20\.0 \| 31\.0 \| 20\.0 \| 19\.0 \|/);
  assert.match(md, /\| text → image \| untrained \| 1\.0 \| 5\.0 \| 9\.0 \| 51\.0 \| 50\.0 \|/);
  assert.match(md, /\| either \| chance \| 1\.0 \| 5\.0 \| 10\.0 \| 50\.5 \| 50\.5 \|/);
  assert.match(md, /10 text prompts; 100 image test samples/);
  assert.match(md, /\| aligned \| 42\.0 \|/);
  assert.match(md, /\| untrained \(initial weights\) \| 40\.0 \| 80\.0 \|/);
  assert.match(md, /by \+16\.0 points/);
  assert.match(md, /\| epoch \| loss \| temperature \| bias \| seconds \|/);
  assert.match(md, /\| 2 \| 4\.2500 \| 0\.0900 \| -9\.2500 \| 1\.1 \|/);
  assert.match(md, /temperature: 0\.1000 after epoch 1 → 0\.0900 after epoch 2/);
});

test('alignmentReportMarkdown: no zero-shot or probe section when the run had none', () => {
  const { zeroShot: _z, probe: _p, ...rest } = RESULT;
  const md = alignmentReportMarkdown(rest);
  assert.doesNotMatch(md, /Zero-shot/);
  assert.doesNotMatch(md, /Linear probe/);
  assert.match(md, /## Retrieval/);
});
