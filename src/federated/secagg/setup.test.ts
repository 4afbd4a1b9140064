import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ProtocolError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { createSecAggSetup, parseSecAggSetup } from './setup.js';

const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i); // unsorted on purpose

test('createSecAggSetup fills in the documented defaults and sorts the ids', () => {
  const s = createSecAggSetup({ round: 0, clientIds: ids(1000), vectorLength: 10 });

  assert.equal(s.neighbours, 20);
  assert.equal(s.threshold, 11);
  assert.equal(s.clipRange, 8);
  assert.equal(s.fractionBits, 16);
  assert.deepEqual(s.clientIds.slice(0, 3), [1, 2, 3]);
  assert.ok(Number.isInteger(s.graphSeed) && s.graphSeed >= 0);
});

test('createSecAggSetup refuses what the protocol cannot run', () => {
  assert.throws(() => createSecAggSetup({ round: 0, clientIds: [1, 2], vectorLength: 1 }), errorLike(ConfigError, /at least 3 clients, got 2/));
  assert.throws(() => createSecAggSetup({ round: 0, clientIds: [1, 1, 2], vectorLength: 1 }), errorLike(ConfigError, /distinct/));
  assert.throws(() => createSecAggSetup({ round: 0, clientIds: ids(10), vectorLength: 1, neighbours: 7 }), errorLike(ConfigError, /must be even when below n − 1 = 9/));
  assert.throws(() => createSecAggSetup({ round: 0, clientIds: ids(300), vectorLength: 1, neighbours: 299 }), errorLike(ConfigError, /\[2, 255\]/));
  assert.throws(() => createSecAggSetup({ round: 0, clientIds: ids(10), vectorLength: 1, threshold: 1 }), errorLike(ConfigError, /threshold: must be an integer in \[2, k = 8\], got 1/));
  assert.throws(() => createSecAggSetup({ round: 0, clientIds: ids(10), vectorLength: 0 }), errorLike(ConfigError, /vectorLength/));
  assert.throws(() => createSecAggSetup({ round: 0, clientIds: ids(5000), vectorLength: 1 }), errorLike(ConfigError, /a sum of 5000 clients .* would wrap around/));
  assert.doesNotThrow(() => createSecAggSetup({ round: 0, clientIds: ids(5000), vectorLength: 1, fractionBits: 15 }));
});

test('parseSecAggSetup turns a bad setup off the wire into a ProtocolError', () => {
  const good = createSecAggSetup({ round: 3, clientIds: ids(5), vectorLength: 2, graphSeed: 1 });

  assert.deepEqual(parseSecAggSetup(good), good);
  assert.throws(() => parseSecAggSetup({ ...good, threshold: 0 }), errorLike(ProtocolError, /invalid secagg\/setup: secagg\.threshold/));
  assert.throws(() => parseSecAggSetup({ type: 'x' }), errorLike(ProtocolError, /expected a secagg\/setup message/));
});
