import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../errors.js';
import { selectBackend } from './backend.js';
import type { Batch } from './batch.js';
import { checkMemberShapes, createMember, forward, trainableVariables } from './member.js';
import { buildModel } from './model-spec.js';
import { createOptimizer } from './optimizer.js';
import { assertClose, randomValues } from './testing.js';

function specModel(name: string): tfl.LayersModel {
  return buildModel({ type: 'mlp', hidden: [5] }, { inputShape: [4], numClasses: 3, seed: 1, name });
}

function batchOf(x: tf.Tensor): Batch {
  return { inputs: { x }, targets: {}, labels: {}, size: x.shape[0] };
}

/** A dense model [4] -> [3] ending in a softmax, in one of three ways a user may write it. */
function softmaxModel(kind: 'dense' | 'activation' | 'softmax-layer', seed: number): tfl.LayersModel {
  const model = tfl.sequential();
  const kernelInitializer = tfl.initializers.glorotUniform({ seed });
  if (kind === 'dense') {
    model.add(tfl.layers.dense({ units: 3, inputShape: [4], activation: 'softmax', kernelInitializer }));
  } else {
    model.add(tfl.layers.dense({ units: 3, inputShape: [4], kernelInitializer }));
    model.add(kind === 'activation' ? tfl.layers.activation({ activation: 'softmax' }) : tfl.layers.softmax());
  }
  return model;
}

function catchError(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

before(async () => {
  await selectBackend('cpu');
});

describe('createMember', () => {
  test('defaults to input x and head y, and a spec model outputs logits', () => {
    const m = createMember({ name: 'a', model: specModel('a'), optimizer: createOptimizer({ name: 'sgd' }) });
    assert.deepEqual(m.inputs, ['x']);
    assert.deepEqual(m.heads, ['y']);
    assert.deepEqual(m.outputs, { y: 'logits' });
    // 2 dense layers with kernel and bias
    assert.equal(trainableVariables(m).length, 4);
  });

  test('throws ShapeMismatchError for a wrong number of input names', () => {
    const err = catchError(() =>
      createMember({ name: 'a', model: specModel('a'), optimizer: createOptimizer({ name: 'sgd' }), inputs: ['image', 'text'] }),
    );
    assert.ok(err instanceof ShapeMismatchError);
    assert.equal(err.code, 'SHAPE_MISMATCH');
    assert.match(err.message, /'a' has 1 input\(s\) but 2 input name\(s\)/);
  });

  test('throws ShapeMismatchError for a wrong number of head names', () => {
    const err = catchError(() =>
      createMember({ name: 'a', model: specModel('a'), optimizer: createOptimizer({ name: 'sgd' }), heads: ['y', 'z'] }),
    );
    assert.ok(err instanceof ShapeMismatchError);
    assert.match(err.message, /'a' has 1 output\(s\) but 2 head name\(s\)/);
  });
});

describe('checkMemberShapes', () => {
  const member = (): ReturnType<typeof createMember> =>
    createMember({ name: 'net-1', model: specModel('net-1'), optimizer: createOptimizer({ name: 'sgd' }) });

  test('accepts matching shapes', () => {
    assert.doesNotThrow(() => checkMemberShapes(member(), { input: 'x', sampleShape: [4], head: 'y', numClasses: 3 }));
  });

  test('throws SHAPE_MISMATCH naming the model and both shapes for a wrong input shape', () => {
    for (const sampleShape of [[5], [2, 2]]) {
      const err = catchError(() => checkMemberShapes(member(), { input: 'x', sampleShape, head: 'y', numClasses: 3 }));
      assert.ok(err instanceof ShapeMismatchError);
      assert.equal(err.code, 'SHAPE_MISMATCH');
      assert.ok(err.message.includes("'net-1'"), err.message);
      assert.ok(err.message.includes('[4]'), err.message);
      assert.ok(err.message.includes(`[${sampleShape.join(', ')}]`), err.message);
      assert.ok(err.hint !== undefined && err.hint.length > 0);
    }
  });

  test('throws SHAPE_MISMATCH naming the model and both class counts for a wrong number of classes', () => {
    const err = catchError(() => checkMemberShapes(member(), { input: 'x', sampleShape: [4], head: 'y', numClasses: 10 }));
    assert.ok(err instanceof ShapeMismatchError);
    assert.equal(err.code, 'SHAPE_MISMATCH');
    assert.match(err.message, /'net-1' outputs 3 values on head 'y' but the data has 10 classes/);
  });
});

describe('forward', () => {
  test('returns the model\'s logits by head name', () => {
    const m = createMember({ name: 'a', model: specModel('a'), optimizer: createOptimizer({ name: 'sgd' }) });
    const x = tf.tensor2d(randomValues(8, 1), [2, 4]);
    const [got, expected] = tf.tidy(() => [forward(m, batchOf(x), false).y.dataSync(), (m.model.predict(x) as tf.Tensor).dataSync()]);
    assertClose(got, expected, 1e-6, 'logits');
    x.dispose();
  });

  test('throws ShapeMismatchError when the batch lacks the member\'s input', () => {
    const m = createMember({ name: 'a', model: specModel('a'), optimizer: createOptimizer({ name: 'sgd' }), inputs: ['image'] });
    const x = tf.zeros([1, 4]);
    assert.throws(() => tf.tidy(() => forward(m, batchOf(x), false)), (err: unknown) => err instanceof ShapeMismatchError && /'image'/.test(err.message));
    x.dispose();
  });

  for (const kind of ['dense', 'activation', 'softmax-layer'] as const) {
    test(`a user model ending in softmax (${kind}) is detected and forward returns log-probabilities`, () => {
      const model = softmaxModel(kind, 3);
      const m = createMember({ name: 'user', model, optimizer: createOptimizer({ name: 'sgd' }) });
      assert.deepEqual(m.outputs, { y: 'softmax' });
      const x = tf.tensor2d(randomValues(12, 2), [3, 4]);
      const [logProbs, probs] = tf.tidy(() => [forward(m, batchOf(x), false).y.dataSync(), (model.predict(x) as tf.Tensor).dataSync()]);
      x.dispose();
      assertClose(logProbs, Array.from(probs, (p) => Math.log(p)), 1e-5, 'log-probabilities');
      for (let r = 0; r < 3; r++) {
        const sum = Math.exp(logProbs[3 * r]) + Math.exp(logProbs[3 * r + 1]) + Math.exp(logProbs[3 * r + 2]);
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} exp-sums to ${sum}`);
      }
    });
  }
});
