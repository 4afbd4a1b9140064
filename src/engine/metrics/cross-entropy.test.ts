import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../testing.js';
import { CROSS_ENTROPY_EPSILON, crossEntropy } from './cross-entropy.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

/** −log(1e-7), the cost of a probability of 0 on what happened. */
const CLIPPED = 16.11809565095832;

describe('crossEntropy', () => {
  test('classes: mean of −log p_label', () => {
    // [0.7, 0.2, 0.1] label 0: −ln 0.7 = 0.356675
    // [0.1, 0.1, 0.8] label 1: −ln 0.1 = 2.302585
    // mean = 1.329630
    const got = crossEntropy.compute({ predictions: f32(0.7, 0.2, 0.1, 0.1, 0.1, 0.8), targets: Int32Array.of(0, 1), width: 3 });

    assertClose([got], [1.32963], 1e-6, 'classes cross-entropy');
  });

  test('classes: p_label is clipped to [1e-7, 1]', () => {
    // [1, 0, 0] label 0: −ln 1 = 0; label 1: −ln(max(0, 1e-7)) = 16.118096 → mean 8.059048
    const got = crossEntropy.compute({ predictions: f32(1, 0, 0, 1, 0, 0), targets: Int32Array.of(0, 1), width: 3 });

    assertClose([got], [CLIPPED / 2], 1e-9, 'clipped');
    assertClose([-Math.log(CROSS_ENTROPY_EPSILON)], [CLIPPED], 1e-12, 'the constant');
  });

  test('binary: mean log loss, the probability of what happened clipped the same way', () => {
    // p 0.8, t 1: −ln 0.8 = 0.223144
    // p 0.3, t 0: −ln 0.7 = 0.356675
    // p 0,   t 0: −ln 1   = 0
    // p 0,   t 1: −ln(1e-7) = 16.118096
    // mean = 16.697915 / 4 = 4.174479
    const got = crossEntropy.compute({ predictions: f32(0.8, 0.3, 0, 0), targets: f32(1, 0, 0, 1), width: 1 });

    assertClose([got], [(0.223144 + 0.356675 + 0 + CLIPPED) / 4], 1e-6, 'binary log loss');
  });

  test('multilabel: binary log loss averaged over every entry', () => {
    // sample 0: p [0.9, 0.2], t [1, 0]: −ln 0.9 = 0.105361, −ln 0.8 = 0.223144
    // sample 1: p [0.6, 0.5], t [0, 1]: −ln 0.4 = 0.916291, −ln 0.5 = 0.693147
    // mean over 4 entries = 1.937942 / 4 = 0.484486
    const got = crossEntropy.compute({ predictions: f32(0.9, 0.2, 0.6, 0.5), targets: f32(1, 0, 0, 1), width: 2 });

    assertClose([got], [0.484486], 1e-6, 'multilabel log loss');
  });

  test('a mask with 90% unlabelled: only the labelled sample counts', () => {
    // 10 binary samples, only sample 7 labelled: p 0.25, t 0 → −ln 0.75 = 0.287682.
    // The others hold p = 0 against a NaN (missing) target and would cost 16.1 each.
    const predictions = new Float32Array(10);
    predictions[7] = 0.25;
    const targets = new Float32Array(10).fill(NaN);
    targets[7] = 0;
    const mask = new Uint8Array(10);
    mask[7] = 1;

    assertClose([crossEntropy.compute({ predictions, targets, width: 1, mask })], [0.287682], 1e-6, 'masked');
  });

  test('NaN with every sample masked, and with no samples', () => {
    assert.ok(Number.isNaN(crossEntropy.compute({ predictions: f32(0.5, 0.5), targets: Int32Array.of(0), width: 2, mask: Uint8Array.of(0) })));
    assert.ok(Number.isNaN(crossEntropy.compute({ predictions: f32(), targets: f32(), width: 3 })));
  });

  test('errors name the metric', () => {
    assert.throws(() => crossEntropy.compute({ predictions: f32(0.5, 0.5), targets: f32(1), width: 1 }), errorLike(ShapeMismatchError, /^crossEntropy:/));
    assert.throws(() => crossEntropy.compute({ predictions: f32(0.5, 0.5), targets: Int32Array.of(-1), width: 2 }), errorLike(DataMalformedError, /^crossEntropy: class target -1/));
    assert.throws(() => crossEntropy.compute({ predictions: f32(0.5), targets: f32(2), width: 1 }), errorLike(DataMalformedError, /^crossEntropy: target 2 .*must be 0 or 1/));
  });
});
