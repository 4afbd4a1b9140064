import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { createRng } from '../random.js';
import { assertClose, errorLike } from '../testing.js';
import { auc } from './auc.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

/** AUC by comparing every positive with every negative, ties ½: O(n²), for checking. */
function pairwiseAuc(scores: Float32Array, targets: Float32Array): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (targets[i] !== 1) continue;
    for (let k = 0; k < scores.length; k++) {
      if (targets[k] !== 0) continue;
      wins += scores[i] > scores[k] ? 1 : scores[i] === scores[k] ? 0.5 : 0;
      pairs++;
    }
  }
  return wins / pairs;
}

describe('auc', () => {
  test("binary without ties: scikit-learn's documented example, 0.75", () => {
    // scores [0.1, 0.4, 0.35, 0.8], targets [0, 0, 1, 1]
    // pairs (pos, neg): 0.35>0.1 ✓, 0.35>0.4 ✗, 0.8>0.1 ✓, 0.8>0.4 ✓ → 3/4
    const got = auc.compute({ predictions: f32(0.1, 0.4, 0.35, 0.8), targets: f32(0, 0, 1, 1), width: 1 });

    assertClose([got], [0.75], 1e-12, 'auc');
  });

  test('binary with tied scores: midranks, a tied pair counts ½', () => {
    // scores  [0.2, 0.5, 0.5, 0.5, 0.9, 0.1]
    // targets [0,   1,   0,   1,   1,   0  ]
    // sorted: 0.1(−) rank 1, 0.2(−) rank 2, 0.5(+,−,+) ranks 3,4,5 → midrank 4 each, 0.9(+) rank 6
    // R₊ = 4 + 4 + 6 = 14; U = R₊ − n₊(n₊+1)/2 = 14 − 6 = 8; AUC = U / (n₊·n₋) = 8/9 = 0.8889
    // by pairs: each 0.5 positive beats 0.1 and 0.2 and ties 0.5 → 2.5, twice = 5; 0.9 beats all 3 → 8/9
    const predictions = f32(0.2, 0.5, 0.5, 0.5, 0.9, 0.1);
    const targets = f32(0, 1, 0, 1, 1, 0);

    const got = auc.compute({ predictions, targets, width: 1 });

    assertClose([got], [8 / 9], 1e-12, 'auc with ties');
    assertClose([pairwiseAuc(predictions, targets)], [8 / 9], 1e-12, 'pairwise check');
  });

  test('all scores tied give 0.5; a perfect ranking 1; a reversed one 0', () => {
    assert.equal(auc.compute({ predictions: f32(0.3, 0.3, 0.3, 0.3), targets: f32(1, 0, 0, 1), width: 1 }), 0.5);
    assert.equal(auc.compute({ predictions: f32(0.1, 0.9, 0.2, 0.8), targets: f32(0, 1, 0, 1), width: 1 }), 1);
    assert.equal(auc.compute({ predictions: f32(0.9, 0.1, 0.8, 0.2), targets: f32(0, 1, 0, 1), width: 1 }), 0);
  });

  test('matches the pairwise count on 2000 seeded samples with many ties', () => {
    // scores quantized to 20 levels, so most samples share their score with others
    const rng = createRng(7);
    const n = 2000;
    const predictions = new Float32Array(n);
    const targets = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      targets[i] = rng.next() < 0.3 ? 1 : 0;
      predictions[i] = Math.floor((rng.next() + 0.3 * targets[i]) * 20) / 20;
    }

    const got = auc.compute({ predictions, targets, width: 1 });

    assertClose([got], [pairwiseAuc(predictions, targets)], 1e-12, 'auc vs pairwise');
    assert.ok(got > 0.6 && got < 0.95, `a separable-ish sample: ${got}`);
  });

  test('binary with one class only is NaN', () => {
    assert.ok(Number.isNaN(auc.compute({ predictions: f32(0.1, 0.9), targets: f32(1, 1), width: 1 })));
    assert.ok(Number.isNaN(auc.compute({ predictions: f32(0.1, 0.9), targets: f32(0, 0), width: 1 })));
  });

  test('multilabel: macro average over labels, skipping a label with one class', () => {
    //           s0   s1   s2   s3
    // label 0: p 0.9  0.1  0.8  0.3,  t 1 0 1 0 → positives 0.9, 0.8 above negatives 0.1, 0.3: AUC 1
    // label 1: p 0.2  0.6  0.6  0.4,  t 0 1 0 1 → pairs: 0.6>0.2 1, 0.6=0.6 ½, 0.4>0.2 1, 0.4<0.6 0 → 2.5/4 = 0.625
    // label 2: p 0.5  0.1  0.7  0.2,  t 1 1 1 1 → only positives: skipped
    // macro = (1 + 0.625) / 2 = 0.8125
    const predictions = f32(0.9, 0.2, 0.5, 0.1, 0.6, 0.1, 0.8, 0.6, 0.7, 0.3, 0.4, 0.2);
    const targets = f32(1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1);

    const got = auc.compute({ predictions, targets, width: 3 });

    assertClose([got], [0.8125], 1e-12, 'macro auc');
  });

  test('multilabel: a mask can leave a label with one class, which is then skipped', () => {
    // labels as above; masking s3 leaves label 1 with t [0, 1, 0] on p [0.2, 0.6, 0.6]: pairs 0.6>0.2 1, 0.6=0.6 ½ → 0.75
    // and label 0 with t [1, 0, 1] on [0.9, 0.1, 0.8]: 1; label 2 still skipped → (1 + 0.75) / 2 = 0.875
    // masking s1 and s3 leaves s0, s2: label 0 t [1, 1], label 1 t [0, 0], label 2 t [1, 1]: all skipped → NaN
    const predictions = f32(0.9, 0.2, 0.5, 0.1, 0.6, 0.1, 0.8, 0.6, 0.7, 0.3, 0.4, 0.2);
    const targets = f32(1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1);

    assertClose([auc.compute({ predictions, targets, width: 3, mask: Uint8Array.of(1, 1, 1, 0) })], [0.875], 1e-12, 'masked macro auc');
    assert.ok(Number.isNaN(auc.compute({ predictions, targets, width: 3, mask: Uint8Array.of(1, 0, 1, 0) })));
  });

  test('a mask with 90% unlabelled: the 2 labelled samples rank right → 1', () => {
    // 20 samples: s2 positive with score 0.8, s11 negative with score 0.3 are labelled; the other 18
    // have reversed scores and NaN (missing) targets, and would pull AUC down if counted
    const n = 20;
    const predictions = new Float32Array(n).fill(0.5);
    const targets = new Float32Array(n).fill(NaN);
    const mask = new Uint8Array(n);
    predictions[2] = 0.8;
    targets[2] = 1;
    mask[2] = 1;
    predictions[11] = 0.3;
    targets[11] = 0;
    mask[11] = 1;

    assert.equal(auc.compute({ predictions, targets, width: 1, mask }), 1);
  });

  test('NaN with every sample masked, and with no samples; a NaN score gives NaN', () => {
    assert.ok(Number.isNaN(auc.compute({ predictions: f32(0.1, 0.9), targets: f32(0, 1), width: 1, mask: Uint8Array.of(0, 0) })));
    assert.ok(Number.isNaN(auc.compute({ predictions: f32(), targets: f32(), width: 2 })));
    assert.ok(Number.isNaN(auc.compute({ predictions: f32(0.1, NaN), targets: f32(0, 1), width: 1 })));
  });

  test('errors name the metric; class-index targets are refused', () => {
    assert.throws(() => auc.compute({ predictions: f32(0.1, 0.9), targets: Int32Array.of(0, 1), width: 1 }), errorLike(DataMalformedError, /^auc: expected targets as 0\/1 labels/));
    assert.throws(() => auc.compute({ predictions: f32(0.1, 0.9, 0.3), targets: f32(0, 1), width: 1 }), errorLike(ShapeMismatchError, /^auc:/));
    assert.throws(() => auc.compute({ predictions: f32(0.1, 0.9), targets: f32(0, 0.5), width: 1 }), errorLike(DataMalformedError, /^auc: target 0.5/));
  });
});
