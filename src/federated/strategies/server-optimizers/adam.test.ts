import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomValues } from '../../../engine/testing.js';
import { adaptiveStep } from '../../aggregate/adaptive.js';
import { AdamOptimizer } from './adam.js';
import { ServerOptimizerSpecSchema, type ServerOptimizerSpecOf } from './options.js';

test('adam is adaptiveStep with the adam rule over three steps, bit for bit', () => {
  const spec = ServerOptimizerSpecSchema.parse({ name: 'adam', biasCorrection: true }) as ServerOptimizerSpecOf<'adam'>;
  const opt = new AdamOptimizer(spec, { strategy: 'test' });
  let x = randomValues(5, 1);
  let m: Float32Array = new Float32Array(5);
  let v: Float32Array = new Float32Array(5);
  for (let step = 1; step <= 3; step++) {
    const a = randomValues(5, 10 + step);
    const got = opt.step(x, { kind: 'params', params: a });
    got.commit();
    const want = adaptiveStep({ rule: 'adam', global: x, average: a, m, v, serverLearningRate: spec.serverLearningRate, beta1: spec.beta1, beta2: spec.beta2, tau: spec.tau, biasCorrectionStep: step });
    assert.deepEqual(got.params, want.params, `step ${step}`);
    ({ m, v } = want);
    x = got.params;
  }
  assert.equal(opt.title, 'server Adam (η=0.1, bias-corrected)');
});
