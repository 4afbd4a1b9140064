import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomValues } from '../../../engine/testing.js';
import { adaptiveStep } from '../../aggregate/adaptive.js';
import { AdagradOptimizer } from './adagrad.js';
import { ServerOptimizerSpecSchema, type ServerOptimizerSpecOf } from './options.js';

test('adagrad is adaptiveStep with the adagrad rule over three steps, bit for bit', () => {
  const spec = ServerOptimizerSpecSchema.parse({ name: 'adagrad' }) as ServerOptimizerSpecOf<'adagrad'>;
  const opt = new AdagradOptimizer(spec, { strategy: 'test' });
  let x = randomValues(5, 1);
  let m: Float32Array = new Float32Array(5);
  let v: Float32Array = new Float32Array(5);
  for (let step = 1; step <= 3; step++) {
    const a = randomValues(5, 10 + step);
    const got = opt.step(x, { kind: 'params', params: a });
    got.commit();
    const want = adaptiveStep({ rule: 'adagrad', global: x, average: a, m, v, serverLearningRate: spec.serverLearningRate, beta1: spec.beta1, beta2: spec.beta2, tau: spec.tau });
    assert.deepEqual(got.params, want.params, `step ${step}`);
    ({ m, v } = want);
    x = got.params;
  }
  assert.equal(opt.title, 'server Adagrad (η=0.1)');
});
