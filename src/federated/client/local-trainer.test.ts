/**
 * A client's local training on the cpu backend with a tiny MLP and a hand-made two-class
 * dataset: plain training, determinism, FedProx's pull towards the global model, SCAFFOLD's
 * correction and control-variate update, DP-SGD's per-example step, evaluation, bad inputs, and
 * tensor leaks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { makeDataset, subset, type Dataset } from '../../data/dataset.js';
import { selectBackend } from '../../engine/backend.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { DataMissingError, ShapeMismatchError } from '../../errors.js';
import { EXTRA_CONTROL_DELTA, EXTRA_SERVER_CONTROL, parseClientTrainConfig, type ParsedClientTrainConfig } from '../client-config.js';
import { FederatedTaskSchema, type FederatedTask } from '../task.js';
import { LocalTrainer, type LocalFitInput } from './local-trainer.js';
import { blobs } from '../testing.js';

const LR = 0.1;

function makeTask(batchNorm = false, optimizer: Record<string, unknown> = { name: 'sgd', learningRate: LR, momentum: 0 }): FederatedTask {
  return FederatedTaskSchema.parse({
    model: { type: 'mlp', hidden: [4], batchNorm },
    optimizer,
    inputShape: [3],
    numClasses: 2,
  });
}


function config(extra: Record<string, unknown> = {}): ParsedClientTrainConfig {
  return parseClientTrainConfig({ localEpochs: 2, batchSize: 8, seed: 5, ...extra });
}

function bits(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

const DATA = blobs(40, 1);

describe('LocalTrainer', () => {
  let trainer: LocalTrainer;
  let global: Float32Array;

  before(async () => {
    await selectBackend('cpu');
    trainer = new LocalTrainer(makeTask());
    global = randomValues(trainer.size, 3).map((x) => x * 0.5);
  });

  after(() => trainer.dispose());

  function input(extra: Partial<LocalFitInput> = {}): LocalFitInput {
    return { data: DATA, clientId: 'client-0', global, config: config(), extras: {}, ...extra };
  }

  it('trains from the global parameters and reports the example count and a finite loss', async () => {
    assert.equal(trainer.size, 3 * 4 + 4 + 4 * 2 + 2);

    const result = await trainer.fit(input());

    assert.equal(result.params.length, trainer.size);
    assert.ok(distance(result.params, global) > 1e-3, 'the parameters moved');
    assert.ok(result.params.every(Number.isFinite));
    assert.equal(result.numExamples, 40);
    assert.ok(Number.isFinite(result.metrics.loss) && result.metrics.loss > 0, `loss ${result.metrics.loss}`);
    assert.ok(result.metrics.seconds >= 0 && result.metrics.samplesPerSecond > 0);
    assert.equal(result.metrics.proximal, undefined);
    assert.deepEqual(result.extras, {});
    assert.deepEqual(result.clientState, {});
    assert.equal(global[0], randomValues(trainer.size, 3)[0] * 0.5, 'the global parameters are not modified');
  });

  it('says where the round\'s time went: setup, batching, training steps, read-out, adding up to the call', async () => {
    const started = performance.now();
    const result = await trainer.fit(input());
    const wall = (performance.now() - started) / 1000;

    const t = result.timing;
    const parts = [t.setupSeconds, t.batchingSeconds, t.trainingSeconds, t.readOutSeconds];
    assert.ok(parts.every((s) => Number.isFinite(s) && s >= 0), `parts ${parts.join(', ')}`);
    assert.ok(t.trainingSeconds > 0 && t.batchingSeconds > 0, 'ten steps (2 epochs of 5 batches) were trained and batched');
    const sum = parts.reduce((a, b) => a + b, 0);
    assert.ok(sum <= wall + 1e-4 && sum >= 0.9 * wall - 0.002, `parts ${sum} s within the call's ${wall} s`);
  });

  it('trains on rows of a larger dataset, read in place, exactly as on a copy of those rows', async () => {
    const rows = Int32Array.from({ length: 25 }, (_, i) => (i * 7) % 40);

    const inPlace = await trainer.fit(input({ rows }));
    const copied = await trainer.fit(input({ data: subset(DATA, rows) }));

    assert.equal(inPlace.numExamples, 25);
    assert.deepEqual(bits(inPlace.params), bits(copied.params));
    assert.equal(inPlace.metrics.loss, copied.metrics.loss);
  });

  it('lowers the training loss over a few rounds on separable data', async () => {
    let params = global;
    const first = await trainer.fit(input({ global: params }));
    for (let r = 0; r < 5; r++) params = (await trainer.fit(input({ global: params, config: config({ localEpochs: 3 }) }))).params;
    const later = await trainer.fit(input({ global: params }));

    assert.ok(later.metrics.loss < first.metrics.loss * 0.8, `${later.metrics.loss} < 0.8 × ${first.metrics.loss}`);
  });

  it('is deterministic: same seed and client → bitwise the same; another client id or seed → different', async () => {
    const a = await trainer.fit(input());
    const b = await trainer.fit(input());
    const otherClient = await trainer.fit(input({ clientId: 'client-1' }));
    const otherSeed = await trainer.fit(input({ config: config({ seed: 6 }) }));

    assert.deepEqual(bits(a.params), bits(b.params));
    assert.equal(a.metrics.loss, b.metrics.loss);
    assert.notDeepEqual(bits(a.params), bits(otherClient.params));
    assert.notDeepEqual(bits(a.params), bits(otherSeed.params));
  });

  it('gives the same result in a fresh trainer (no state carried between clients)', async () => {
    const fresh = new LocalTrainer(makeTask());
    try {
      await trainer.fit(input({ clientId: 'someone-else', global: randomValues(trainer.size, 9) }));
      const a = await trainer.fit(input());
      const b = await fresh.fit(input());

      assert.deepEqual(bits(a.params), bits(b.params));
    } finally {
      fresh.dispose();
    }
  });

  for (const optimizer of [{ name: 'adam', learningRate: 0.01 }, { name: 'sgd', learningRate: LR, momentum: 0.9 }]) {
    it(`${optimizer.name}${optimizer.name === 'sgd' ? ' with momentum' : ''}: every fit starts from a new optimizer's state, on memory kept between fits`, async () => {
      const kept = new LocalTrainer(makeTask(false, optimizer));
      const fresh = new LocalTrainer(makeTask(false, optimizer));
      try {
        await kept.fit(input({ clientId: 'someone-else', global: randomValues(kept.size, 9) }));
        const tensors = tf.memory().numTensors;

        const a = await kept.fit(input());
        const b = await fresh.fit(input());
        const tensorsAfter = tf.memory().numTensors;

        assert.deepEqual(bits(a.params), bits(b.params));
        assert.ok(a.params.some((v, i) => v !== global[i]), 'training moved the parameters');
        // The fresh trainer's first fit made its optimizer's slots (kept); the first trainer's made none.
        const slots = optimizer.name === 'adam' ? 2 : 1;
        assert.equal(tensorsAfter - tensors, slots * kept.model.trainableWeights.length);
      } finally {
        kept.dispose();
        fresh.dispose();
      }
    });
  }

  it('FedProx: a large mu keeps the parameters much closer to the global ones than mu = 0', async () => {
    const cfg = { localEpochs: 5, batchSize: 4 };
    const plain = await trainer.fit(input({ config: config(cfg) }));
    const prox = await trainer.fit(input({ config: config({ ...cfg, proximalMu: 5 }) }));

    const ratio = distance(prox.params, global) / distance(plain.params, global);
    assert.ok(ratio < 0.5, `||y_prox − x|| / ||y − x|| = ${ratio.toFixed(3)} should be < 0.5`);
    assert.ok(distance(prox.params, global) > 0, 'FedProx still trains');
    assert.ok(Number.isFinite(prox.metrics.proximal) && prox.metrics.proximal >= 0, `proximal ${prox.metrics.proximal}`);
  });

  it('SCAFFOLD with zero controls trains exactly like plain training', async () => {
    const zeros = new Float32Array(trainer.size);
    const plain = await trainer.fit(input());
    const scaffold = await trainer.fit(input({ config: config({ scaffold: true }), extras: { [EXTRA_SERVER_CONTROL]: zeros }, clientState: { control: zeros } }));

    assert.deepEqual(bits(scaffold.params), bits(plain.params));
    const delta = scaffold.extras[EXTRA_CONTROL_DELTA];
    assert.ok(delta !== undefined && delta.length === trainer.size);
    assert.ok(scaffold.clientState.control !== undefined);
    assert.deepEqual(bits(scaffold.clientState.control), bits(delta), 'c_i⁺ = Δc_i when c_i = 0');
  });

  it('SCAFFOLD with nonzero controls returns Δc_i = −c + (x − y)/(K·lr) on the trainable entries, zero elsewhere', async () => {
    const bnTrainer = new LocalTrainer(makeTask(true));
    try {
      const size = bnTrainer.size;
      const x = randomValues(size, 11).map((v) => v * 0.5);
      // Batch-norm moving variances must stay positive.
      const trainable = bnTrainer.model.weights.flatMap((w) => Array.from({ length: w.shape.reduce((a: number, b) => a * (b ?? 0), 1) }, () => w.trainable));
      for (let i = 0; i < size; i++) if (!trainable[i]) x[i] = 1;
      const c = randomValues(size, 12).map((v) => v * 0.3);
      const ci = randomValues(size, 13).map((v) => v * 0.3);
      const cfg = config({ scaffold: true, localEpochs: 2, batchSize: 8 });
      const steps = 2 * Math.ceil(40 / 8);

      const result = await bnTrainer.fit({ data: DATA, clientId: 'client-7', global: x, config: cfg, extras: { [EXTRA_SERVER_CONTROL]: c }, clientState: { control: ci } });
      const plain = await bnTrainer.fit({ data: DATA, clientId: 'client-7', global: x, config: config({ localEpochs: 2, batchSize: 8 }), extras: {} });

      const y = result.params;
      const delta = result.extras[EXTRA_CONTROL_DELTA];
      assert.ok(delta !== undefined && result.clientState.control !== undefined);
      assert.ok(trainable.some((t) => !t), 'the model has non-trainable weights');
      let worst = 0;
      for (let i = 0; i < size; i++) {
        const expected = trainable[i] ? -c[i] + (x[i] - y[i]) / (steps * LR) : 0;
        worst = Math.max(worst, Math.abs(delta[i] - expected) / Math.max(1, Math.abs(expected)));
        assert.ok(Math.abs(result.clientState.control[i] - (ci[i] + delta[i])) <= 1e-6 * Math.max(1, Math.abs(ci[i])), `c_i⁺ = c_i + Δc_i at ${i}`);
      }
      assert.ok(worst < 1e-4, `Δc_i off by ${worst}`);
      assert.ok(distance(y, plain.params) > 1e-3, 'the correction changed the training');
      assert.deepEqual([...ci].slice(0, 3), [...randomValues(size, 13).map((v) => v * 0.3)].slice(0, 3), 'c_i is not modified');
    } finally {
      bnTrainer.dispose();
    }
  });

  it('SCAFFOLD without a server control, or with one of the wrong length, is refused', async () => {
    await assert.rejects(trainer.fit(input({ config: config({ scaffold: true }) })), errorLike(ShapeMismatchError, /serverControl/));
    await assert.rejects(
      trainer.fit(input({ config: config({ scaffold: true }), extras: { [EXTRA_SERVER_CONTROL]: new Float32Array(3) } })),
      errorLike(ShapeMismatchError, /serverControl have 3 values/),
    );
    await assert.rejects(
      trainer.fit(input({ config: config({ scaffold: true }), extras: { [EXTRA_SERVER_CONTROL]: new Float32Array(trainer.size) }, clientState: { control: new Float32Array(2) } })),
      errorLike(ShapeMismatchError, /client control variate/),
    );
  });

  it('DP-SGD with nothing clipped and negligible noise trains like plain training, and reports ε and the mean cross-entropy', async () => {
    const plain = await trainer.fit(input());
    const dp = await trainer.fit(input({ config: config({ dpSgdClip: 100, dpSgdNoiseMultiplier: 1e-9, dpSgdDelta: 1e-5, dpSgdNoiseSeed: 1 }) }));

    assert.ok(distance(dp.params, plain.params) < 1e-5 * distance(plain.params, global), `‖y_dp − y‖ = ${distance(dp.params, plain.params)}`);
    assert.ok(Math.abs(dp.metrics.loss - plain.metrics.loss) < 1e-5, `loss ${dp.metrics.loss} vs ${plain.metrics.loss}`);
    assert.ok(dp.metrics.dpSgdEpsilon > 0, 'ε reported');
    assert.deepEqual(Object.keys(dp.metrics).sort(), ['dpSgdEpsilon', 'loss', 'samplesPerSecond', 'seconds']);
    assert.deepEqual(Object.keys(dp.clientState).sort(), ['dpSgdRdp', 'dpSgdSteps']);
  });

  it('evaluates: accuracy in [0, 1], the example count, and a better score after training', async () => {
    const test = blobs(30, 2);
    const before = trainer.evaluate(global, test);
    let params = global;
    for (let r = 0; r < 4; r++) params = (await trainer.fit(input({ global: params, config: config({ localEpochs: 5 }) }))).params;
    const afterTraining = trainer.evaluate(params, test);

    for (const s of [before, afterTraining]) {
      assert.equal(s.numExamples, 30);
      assert.ok(s.accuracy >= 0 && s.accuracy <= 1, `accuracy ${s.accuracy}`);
      assert.ok(Number.isFinite(s.loss) && s.loss > 0);
    }
    assert.ok(afterTraining.accuracy >= 0.9, `accuracy after training ${afterTraining.accuracy}`);
    assert.ok(afterTraining.loss < before.loss);
  });

  it('accepts data with fewer classes than the task, and refuses more', async () => {
    const task3 = new LocalTrainer(FederatedTaskSchema.parse({ ...makeTask(), numClasses: 3 }));
    try {
      const result = await task3.fit({ data: DATA, clientId: 'c', global: new Float32Array(task3.size), config: config(), extras: {} });
      assert.equal(result.params.length, task3.size);
    } finally {
      task3.dispose();
    }
    const fourClasses = makeDataset({ ...DATA, labels: DATA.labels.map((y, i) => (i === 0 ? 3 : y)), numClasses: 4 }, 'four');
    await assert.rejects(trainer.fit(input({ data: fourClasses })), errorLike(ShapeMismatchError, /4 classes but the task has 2/));
  });

  it('refuses data of the wrong sample shape and parameters of the wrong length', async () => {
    const wrong = blobs(10, 3, [4]);

    await assert.rejects(trainer.fit(input({ data: wrong })), errorLike(ShapeMismatchError, /\[4\]/, /\[3\]/));
    assert.throws(() => trainer.evaluate(global, wrong), errorLike(ShapeMismatchError, /\[4\]/));
    await assert.rejects(trainer.fit(input({ global: new Float32Array(trainer.size + 1) })), errorLike(ShapeMismatchError, /global parameters/));
    assert.throws(() => trainer.evaluate(new Float32Array(2), DATA), errorLike(ShapeMismatchError, /parameters have 2 values/));
  });

  it('refuses an empty dataset with a clear error instead of NaN metrics and a NaN control delta', async () => {
    const empty: Dataset = { features: new Float32Array(0), labels: new Int32Array(0), sampleShape: [3], numClasses: 2 };
    const zeros = new Float32Array(trainer.size);

    await assert.rejects(trainer.fit(input({ data: empty })), (err: unknown) => err instanceof Error && 'code' in err);
    await assert.rejects(trainer.fit(input({ data: empty, config: config({ scaffold: true }), extras: { [EXTRA_SERVER_CONTROL]: zeros } })), (err: unknown) => err instanceof Error && 'code' in err);
    await assert.rejects(trainer.fit(input({ data: empty, config: config({ dpSgdClip: 1, dpSgdNoiseMultiplier: 1, dpSgdDelta: 1e-5 }) })), errorLike(DataMissingError, /no training examples/));
  });

  it('does not leak tensors across fit and evaluate calls (plain, FedProx, SCAFFOLD, failed)', async () => {
    const zeros = new Float32Array(trainer.size);
    const cycle = async (): Promise<void> => {
      await trainer.fit(input());
      await trainer.fit(input({ config: config({ proximalMu: 0.5 }) }));
      await trainer.fit(input({ config: config({ scaffold: true }), extras: { [EXTRA_SERVER_CONTROL]: zeros.map((_, i) => i * 1e-3) } }));
      await trainer.fit(input({ config: config({ scaffold: true }) })).catch(() => undefined);
      await trainer.fit(input({ config: config({ dpSgdClip: 1, dpSgdNoiseMultiplier: 1, dpSgdDelta: 1e-5 }) }));
      await trainer.fit(input({ config: config({ dpSgdClip: 1, dpSgdNoiseMultiplier: 1, dpSgdDelta: 1e-5, batchSize: 100 }) })).catch(() => undefined);
      trainer.evaluate(global, DATA);
    };
    await cycle();
    const start = tf.memory().numTensors;

    for (let i = 0; i < 3; i++) await cycle();

    assert.equal(tf.memory().numTensors, start);
  });
});
