import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../../../errors.js';
import { errorLike } from '../../../engine/testing.js';
import { ServerOptimizerSpecSchema } from './options.js';
import { createServerOptimizer, SERVER_OPTIMIZERS } from './registry.js';

test('the server optimizer registry lists every optimizer, each buildable from its name alone, its state restorable', () => {
  assert.deepEqual(SERVER_OPTIMIZERS.names, ['plain', 'momentum', 'adam', 'yogi', 'adagrad']);
  for (const entry of SERVER_OPTIMIZERS.list()) {
    assert.ok(entry.summary.length > 10, `${entry.name} has a summary`);
    const opt = createServerOptimizer(ServerOptimizerSpecSchema.parse({ name: entry.name }), { strategy: 's' });
    assert.equal(opt.name, entry.name);
    assert.doesNotThrow(() => opt.setState(opt.getState()));
  }
});

test('the spec schema fills Flower\'s defaults (and Hsu et al.\'s momentum)', () => {
  assert.deepEqual(ServerOptimizerSpecSchema.parse({ name: 'plain' }), { name: 'plain', serverLearningRate: 1 });
  assert.deepEqual(ServerOptimizerSpecSchema.parse({ name: 'momentum' }), { name: 'momentum', serverLearningRate: 1, serverMomentum: 0.9 });
  assert.deepEqual(ServerOptimizerSpecSchema.parse({ name: 'adam' }), { name: 'adam', beta1: 0.9, beta2: 0.99, tau: 1e-3, serverLearningRate: 0.1, biasCorrection: false });
  assert.deepEqual(ServerOptimizerSpecSchema.parse({ name: 'yogi' }), { name: 'yogi', beta1: 0.9, beta2: 0.99, tau: 1e-3, serverLearningRate: 0.01 });
  assert.deepEqual(ServerOptimizerSpecSchema.parse({ name: 'adagrad' }), { name: 'adagrad', beta1: 0, beta2: 0.99, tau: 1e-3, serverLearningRate: 0.1 });
});

test('an unknown name is refused with the list', () => {
  assert.throws(() => SERVER_OPTIMIZERS.get('lamb'), errorLike(UnknownNameError, /unknown server optimizer 'lamb'/));
});
