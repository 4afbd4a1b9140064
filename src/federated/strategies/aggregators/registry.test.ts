import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../../../errors.js';
import { errorLike } from '../../../engine/testing.js';
import { AggregatorSpecSchema } from './options.js';
import { AGGREGATORS, createAggregator } from './registry.js';

test('the aggregator registry lists every aggregator, each buildable from its name alone', () => {
  assert.deepEqual(AGGREGATORS.names, ['mean', 'median', 'trimmed-mean', 'krum', 'multikrum', 'bulyan']);
  for (const entry of AGGREGATORS.list()) {
    assert.ok(entry.summary.length > 10, `${entry.name} has a summary`);
    const agg = createAggregator(AggregatorSpecSchema.parse({ name: entry.name }));
    assert.equal(agg.name, entry.name);
    assert.ok(agg.requirement().min >= 1);
  }
});

test('the spec schema fills the documented defaults', () => {
  assert.deepEqual(AggregatorSpecSchema.parse({ name: 'mean' }), { name: 'mean', weighting: 'examples', over: 'parameters' });
  assert.deepEqual(AggregatorSpecSchema.parse({ name: 'trimmed-mean' }), { name: 'trimmed-mean', beta: 0.2 });
  assert.deepEqual(AggregatorSpecSchema.parse({ name: 'bulyan' }), { name: 'bulyan', byzantine: 1 });
  const unknown = AggregatorSpecSchema.safeParse({ name: 'geomed' });
  assert.ok(!unknown.success);
  assert.match(unknown.error.issues[0].message, /^unknown aggregator; use one of: mean, median, trimmed-mean, krum, multikrum, bulyan$/);
});

test('an unknown name is refused with the list', () => {
  assert.throws(() => AGGREGATORS.get('geomed'), errorLike(UnknownNameError, /unknown aggregator 'geomed'/));
});
