import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend-registry.js';
import { tempDirFactory } from '../engine/testing.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataMalformedError } from '../errors.js';
import { buildFusedModel } from './build-model.js';
import { checkMultimodalDataset, type MultimodalDataset } from './modality.js';
import { prepareMultimodal } from './prepare.js';
import { loadMultimodalModel, predictMultimodal, saveMultimodalModel } from './saved-model.js';

const tempDir = tempDirFactory('jointly-multimodal-model-');

before(async () => {
  await selectBackend('cpu');
});

function data(n: number): MultimodalDataset {
  return checkMultimodalDataset(
    {
      length: n,
      modalities: {
        image: { kind: 'image', values: Float32Array.from({ length: n * 4 }, (_, i) => (i % 7) / 7), shape: [4] },
        text: { kind: 'image', values: Float32Array.from({ length: n * 3 }, (_, i) => (i % 5) / 5), shape: [3] },
      },
      labels: Int32Array.from({ length: n }, (_, i) => i % 3),
      numClasses: 3,
      classNames: ['a', 'b', 'c'],
    },
    'test',
  );
}

test('a saved multimodal model loads with its preprocessing and predicts the same probabilities; missing modalities are allowed, none is refused', async () => {
  const raw = data(6);
  const prepared = prepareMultimodal({ modalities: undefined }, raw, raw);
  const named = buildFusedModel({ modalities: prepared.modalities, fusion: { name: 'late-mean' }, units: 3, seed: 1, name: 'fused', init: 'glorot', missing: 'embedding' });
  const dir = tempDir();
  await saveMultimodalModel(named, dir, { fusion: 'late-mean', modalities: prepared.modalities, numClasses: 3, classNames: ['a', 'b', 'c'] });
  const expected = tf.tidy(() => {
    const inputs = named.inputs.map((name) => {
      const f = prepared.train.fields[name];
      if (f.kind !== 'float') throw new Error('float fields only here');
      return tf.tensor(f.values, [6, ...f.shape]);
    });
    return tf.softmax(named.model.predict(inputs) as tf.Tensor).dataSync() as Float32Array;
  });
  named.model.dispose();

  const loaded = await loadMultimodalModel(dir);
  try {
    assert.deepEqual(loaded.meta.classNames, ['a', 'b', 'c']);
    const got = predictMultimodal(loaded, raw);
    assert.equal(got.length, 18);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-5, `probability ${i}: ${got[i]} vs ${expected[i]}`);
    // One modality missing on some samples, or absent from the data altogether: still a prediction.
    const partly = predictMultimodal(loaded, { ...raw, present: { text: Uint8Array.of(1, 0, 1, 0, 1, 0) } });
    assert.ok(partly.every((p) => Number.isFinite(p)));
    const { text: _text, ...onlyImage } = raw.modalities;
    const noText = predictMultimodal(loaded, { length: 6, modalities: onlyImage });
    assert.ok(noText.every((p) => Number.isFinite(p)));
    assert.throws(
      () => predictMultimodal(loaded, { ...raw, present: { image: Uint8Array.of(1, 0, 1, 1, 1, 1), text: Uint8Array.of(1, 0, 1, 1, 1, 1) } }),
      (err: unknown) => err instanceof DataMalformedError && /sample 1 has none of the model's modalities/.test(err.message),
    );
  } finally {
    loaded.dispose();
  }
});

test('a saved text model loads in the same process with its tokenizer; a tokenizer of another vocabulary is refused', async () => {
  const n = 8;
  const raw = checkMultimodalDataset(
    {
      length: n,
      modalities: {
        image: { kind: 'image', values: Float32Array.from({ length: n * 2 }, (_, i) => i / 16), shape: [2] },
        text: { kind: 'text', texts: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'a red shoe' : 'a blue bag with straps')) },
      },
      labels: Int32Array.from({ length: n }, (_, i) => i % 2),
      numClasses: 2,
    },
    'test',
  );
  const prepared = prepareMultimodal({ modalities: { image: {}, text: { encoder: { type: 'embedding-pool', options: { dim: 4 } } } } as never }, raw, raw);
  const named = buildFusedModel({ modalities: prepared.modalities, fusion: { name: 'concat' }, units: 2, seed: 3, name: 'fused', init: 'glorot', missing: 'zeros' });
  const dir = tempDir();
  await saveMultimodalModel(named, dir, { fusion: 'concat', modalities: prepared.modalities, numClasses: 2 });
  named.model.dispose();
  const loaded = await loadMultimodalModel(dir);
  const p = predictMultimodal(loaded, raw);
  loaded.dispose();
  assert.ok(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
  // Another run's tokenizer (a larger vocabulary) in place of the saved one.
  const other = prepareMultimodal({ modalities: undefined }, { ...raw, modalities: { ...raw.modalities, text: { kind: 'text', texts: raw.modalities.text.kind === 'text' ? raw.modalities.text.texts.map((t, i) => `${t} extra words number ${i}`) : [] } } }, raw);
  const meta = JSON.parse(readFileSync(join(dir, 'multimodal.json'), 'utf8')) as { modalities: { name: string; state: unknown }[] };
  const text = meta.modalities.find((m) => m.name === 'text');
  assert.ok(text !== undefined);
  text.state = other.modalities.find((m) => m.name === 'text')?.preprocessor.state;
  writeFileSync(join(dir, 'multimodal.json'), JSON.stringify(meta));
  await assert.rejects(loadMultimodalModel(dir), (err: unknown) => err instanceof ConfigError && /trained with another vocabulary/.test(err.message));
});
