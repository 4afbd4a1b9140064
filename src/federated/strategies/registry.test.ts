import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, UnknownNameError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { StrategySpecSchema } from './options.js';
import { createStrategy, listStrategies, STRATEGY_NAMES } from './registry.js';

const ALL = ['fedavg', 'fedavgm', 'fedprox', 'fedadam', 'fedyogi', 'fedadagrad', 'scaffold', 'fedmedian', 'fedtrimmedavg', 'krum', 'multikrum', 'bulyan'];

test('the registry lists every strategy, each buildable from its name alone', () => {
  assert.deepEqual(STRATEGY_NAMES, ALL);
  for (const entry of listStrategies()) {
    assert.ok(entry.summary.length > 10, `${entry.name} has a summary`);
    assert.equal(createStrategy({ name: entry.name }).name, entry.name);
  }
});

test('the spec schema fills documented defaults, and a parsed spec builds the same strategy', () => {
  const spec = StrategySpecSchema.parse({ name: 'fedprox' });
  assert.deepEqual(spec, { name: 'fedprox', localEpochs: 1, batchSize: 32, proximalMu: 0.01 });
  assert.deepEqual(StrategySpecSchema.parse({ name: 'fedadam' }), {
    name: 'fedadam', localEpochs: 1, batchSize: 32, beta1: 0.9, beta2: 0.99, tau: 1e-3, serverLearningRate: 0.1, biasCorrection: false,
  });
  assert.deepEqual(StrategySpecSchema.parse({ name: 'fedavgm' }), { name: 'fedavgm', localEpochs: 1, batchSize: 32, serverLearningRate: 1, serverMomentum: 0.9 });
  assert.deepEqual(StrategySpecSchema.parse({ name: 'multikrum' }), { name: 'multikrum', localEpochs: 1, batchSize: 32, byzantine: 1 });
  assert.equal(createStrategy(spec).configureFit({ round: 1, global: new Float32Array(1), numClients: 1 }).config.proximalMu, 0.01);
});

test('createStrategy names the bad field in a ConfigError', () => {
  assert.throws(() => createStrategy({ name: 'krum', byzantine: -1 }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.path, 'byzantine');
    assert.equal(err.code, 'CONFIG_INVALID');
    return true;
  });
  assert.throws(() => createStrategy({ name: 'fedavg', localEpochs: 0 }), errorLike(ConfigError, /^localEpochs: /));
  assert.throws(() => createStrategy({ name: 'fedadam', beta1: 1 }), errorLike(ConfigError, /^beta1: /));
});

test('an unknown option is reported with the strategy\'s valid options', () => {
  assert.throws(() => createStrategy({ name: 'krum', f: 2 }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /unknown option\(s\) "f" for strategy 'krum'/);
    assert.equal(err.hint, 'its options are localEpochs, batchSize, byzantine');
    return true;
  });
});

test('an unknown or missing name is refused with the list of names', () => {
  assert.throws(() => createStrategy({ name: 'fedsgd' }), (err: unknown) => {
    assert.ok(err instanceof UnknownNameError);
    assert.match(err.message, /unknown federated strategy 'fedsgd'/);
    assert.equal(err.hint, `use one of: ${ALL.join(', ')}`);
    return true;
  });
  assert.throws(() => createStrategy({}), errorLike(ConfigError, /^name: missing/));
  assert.throws(() => createStrategy('fedavg'), errorLike(ConfigError, /must be an object/));
});
