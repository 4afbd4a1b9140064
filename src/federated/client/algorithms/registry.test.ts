import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownNameError } from '../../../errors.js';
import { errorLike } from '../../../engine/testing.js';
import { ClientTrainConfigSchema, parseClientTrainConfig } from '../../client-config.js';
import { ClientAlgorithmSpecSchema } from './options.js';
import { CLIENT_ALGORITHMS, roundConfigOff } from './registry.js';

/** The smallest valid spec of each algorithm (DP-SGD requires its clip and noise multiplier). */
const minimalSpec = (name: string): unknown => ClientAlgorithmSpecSchema.parse(name === 'dp-sgd' ? { name, clip: 1, noiseMultiplier: 1 } : { name });

test('the client algorithm registry lists plain, fedprox, scaffold and dp-sgd, each with both halves', () => {
  assert.deepEqual(CLIENT_ALGORITHMS.names, ['plain', 'fedprox', 'scaffold', 'dp-sgd']);
  for (const a of CLIENT_ALGORITHMS.list()) {
    assert.ok(a.summary.length > 10, `${a.name} has a summary`);
    const server = a.server(minimalSpec(a.name) as never, { strategy: 's' });
    assert.equal(server.name, a.name);
    assert.equal(typeof a.client.begin, 'function');
  }
  assert.throws(() => CLIENT_ALGORITHMS.get('ditto'), errorLike(UnknownNameError, /unknown client algorithm 'ditto'/));
});

test('per-client state names are unique among the algorithms', () => {
  const names = CLIENT_ALGORITHMS.list().flatMap((a) => a.client.stateNames);
  assert.equal(new Set(names).size, names.length);
});

test('every algorithm\'s config entries, switched off, are what a client reads as off', () => {
  const off = roundConfigOff();
  assert.deepEqual(off, { proximalMu: 0, scaffold: false, dpSgdClip: 0, dpSgdNoiseMultiplier: 0, dpSgdDelta: 0, dpSgdNoiseSeed: -1 });
  const parsed = parseClientTrainConfig({ localEpochs: 1, batchSize: 2, ...off });
  for (const a of CLIENT_ALGORITHMS.list()) {
    assert.equal(a.client.active(parsed), false, `${a.name} is off`);
    for (const key of Object.keys(a.configOff)) assert.ok(key in ClientTrainConfigSchema.shape, `the client reads '${key}'`);
  }
  // Switched on by its server half, each algorithm (but plain) is active on the client.
  for (const a of CLIENT_ALGORITHMS.list()) {
    const on = a.server(minimalSpec(a.name) as never, { strategy: 's' }).config();
    assert.equal(a.client.active(parseClientTrainConfig({ localEpochs: 1, batchSize: 2, ...off, ...on })), a.name !== 'plain', a.name);
  }
});

test('the spec schema fills the documented default and names the valid algorithms', () => {
  assert.deepEqual(ClientAlgorithmSpecSchema.parse({ name: 'fedprox' }), { name: 'fedprox', proximalMu: 0.01 });
  const bad = ClientAlgorithmSpecSchema.safeParse({ name: 'fedprox', proximalMu: 0 });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues[0].path, ['proximalMu']);
  const unknown = ClientAlgorithmSpecSchema.safeParse({ name: 'ditto' });
  assert.ok(!unknown.success);
  assert.match(unknown.error.issues[0].message, /use one of: plain, fedprox, scaffold, dp-sgd/);
});
