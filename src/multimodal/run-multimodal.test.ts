import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend-registry.js';
import { createRng } from '../engine/random.js';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import type { MultimodalConfigInput } from './config.js';
import { checkMultimodalDataset, type MultimodalDataset } from './modality.js';
import { runMultimodal, type MultimodalEvent } from './run-multimodal.js';

before(async () => {
  await selectBackend('cpu');
});

/**
 * Two modalities of 4 features each; the class (4 of them) is sign(a0) + 2·sign(b0), so each
 * modality alone can tell half of it and only both together all of it.
 */
function synthetic(n: number, seed: number): MultimodalDataset {
  const rng = createRng(seed);
  const a = new Float32Array(n * 4);
  const b = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) {
      a[i * 4 + j] = rng.next() * 2 - 1;
      b[i * 4 + j] = rng.next() * 2 - 1;
    }
    labels[i] = (a[i * 4] > 0 ? 1 : 0) + (b[i * 4] > 0 ? 2 : 0);
  }
  return checkMultimodalDataset({ length: n, modalities: { a: { kind: 'image', values: a, shape: [4] }, b: { kind: 'image', values: b, shape: [4] } }, labels, numClasses: 4 }, 'synthetic');
}

const loadData = (): { train: MultimodalDataset; test: MultimodalDataset; description: string } => ({ train: synthetic(800, 1), test: synthetic(400, 2), description: 'synthetic' });

function config(extra: Partial<MultimodalConfigInput> = {}): MultimodalConfigInput {
  return {
    mode: 'multimodal',
    data: { type: 'two-view-noisy' },
    modalities: { a: { encoder: { type: 'mlp', hidden: [16] } }, b: { encoder: { type: 'mlp', hidden: [16] } } },
    fusions: ['concat', 'late-mean'],
    training: { epochs: 8, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } },
    ...extra,
  };
}

test('runMultimodal: each modality alone tells half the classes, fused models nearly all; robustness falls back to one modality', async () => {
  const before = tf.memory().numTensors;
  const events: MultimodalEvent['type'][] = [];
  const r = await runMultimodal(config(), { loadData, onEvent: (e) => void events.push(e.type) });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  const s = r.seeds[0];
  for (const m of ['a', 'b']) assert.ok(s.alone[m] > 0.4 && s.alone[m] < 0.6, `${m} alone ${s.alone[m]}`);
  assert.ok(s.fused.concat > 0.85, `concat ${s.fused.concat}`);
  assert.ok(s.fused['late-mean'] > 0.85, `late-mean ${s.fused['late-mean']}`);
  // Without a, the fused model can only tell b's half (up to 0.5, less when it relies on zeros it never saw).
  assert.ok(s.robustness.concat.a < 0.65, `concat without a ${s.robustness.concat.a}`);
  assert.ok(s.ensemble > 0.5, `ensemble ${s.ensemble}`);
  assert.deepEqual([...new Set(events)], ['prepared', 'seed-start', 'phase-start', 'step', 'epoch', 'phase-end']);
  assert.equal(r.fusions.map((f) => f.label).join(','), 'concat,late-mean');
});

test('runMultimodal: the same config and seed give the same result', async () => {
  const cfg = config({ fusions: ['gmu'], training: { epochs: 2, batchSize: 64 } });
  const a = await runMultimodal(cfg, { loadData });
  const b = await runMultimodal(cfg, { loadData });
  assert.deepEqual(a.seeds, b.seeds.map((s, i) => ({ ...s, seconds: a.seeds[i].seconds })));
});

test('runMultimodal: modality dropout with missing embeddings keeps the fused model close to the remaining modality alone', async () => {
  const r = await runMultimodal(config({ fusions: ['concat'], missing: { handling: 'embedding', dropout: 0.3 }, training: { epochs: 12, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } } }), { loadData });
  const s = r.seeds[0];
  assert.ok(s.fused.concat > 0.8, `fused ${s.fused.concat}`);
  assert.ok(s.robustness.concat.a > s.alone.b - 0.08, `without a ${s.robustness.concat.a} vs b alone ${s.alone.b}`);
  assert.ok(s.robustness.concat.b > s.alone.a - 0.08, `without b ${s.robustness.concat.b} vs a alone ${s.alone.a}`);
});

test('runMultimodal: a fusion that needs equal widths given unequal encoders is refused with the fix', async () => {
  const cfg = config({ modalities: { a: { encoder: { type: 'mlp', hidden: [16] } }, b: { encoder: { type: 'mlp', hidden: [8] } } }, fusions: ['sum'], training: { epochs: 1 } });
  await assert.rejects(runMultimodal(cfg, { loadData }), (err: unknown) => err instanceof ShapeMismatchError && /equal sizes.*a 16, b 8/.test(err.message) && /concat/.test(err.hint ?? ''));
});

test('runMultimodal: a modality named in the config but absent from the data is a ConfigError', async () => {
  await assert.rejects(runMultimodal(config({ modalities: { a: {}, text: {} } }), { loadData }), (err: unknown) => err instanceof ConfigError && /'text'/.test(err.message));
});

test('MultimodalConfigSchema: the same fusion with the same options twice is refused wherever it repeats', async () => {
  const { MultimodalConfigSchema } = await import('./config.js');
  const r = MultimodalConfigSchema.safeParse(config({ fusions: [{ name: 'gmu', size: 64 }, { name: 'gmu', size: 128 }, { name: 'gmu', size: 128 }] }));
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /listed twice/);
});
