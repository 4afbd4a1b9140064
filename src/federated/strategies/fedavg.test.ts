import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedAvg } from './fedavg.js';
import { DP_SGD_CONFIG_OFF } from '../client/algorithms/options.js';
import { TRANSFORMS_CONFIG_OFF } from '../client/transforms/options.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 10 });
function reply(clientId: string, params: number[], numExamples = 1, metrics: Record<string, number> = {}): FitReply {
  return { clientId, params: f32(...params), numExamples, metrics, extras: {} };
}

test('FedAvg is the example-weighted mean, with round diagnostics', () => {
  const strategy = new FedAvg();
  const replies = [reply('b', [3, 6], 3, { loss: 3 }), reply('a', [1, 2], 1, { loss: 1 })];

  const out = strategy.aggregateFit(ctx(0, 0), replies, [{ clientId: 'c', reason: 'timeout' }]);

  // ((1·1 + 3·3)/4, (1·2 + 3·6)/4) = (2.5, 5); update norm √(2.5² + 5²) = √31.25
  // client loss weighted by examples: (1·1 + 3·3)/4 = 2.5
  assertClose(out.params, [2.5, 5], 1e-7, 'params');
  assert.equal(out.metrics.replies, 2);
  assert.equal(out.metrics.failures, 1);
  assert.equal(out.metrics.examples, 4);
  assert.ok(Math.abs(out.metrics.updateNorm - Math.sqrt(31.25)) < 1e-6);
  assert.equal(out.metrics['fit.loss'], 2.5);
});

test('FedAvg sends the common client config and no extras', () => {
  assert.deepEqual(new FedAvg().configureFit(ctx(0)), {
    config: { localEpochs: 1, batchSize: 32, proximalMu: 0, scaffold: false, ...DP_SGD_CONFIG_OFF, ...DP_SGD_CONFIG_OFF, ...TRANSFORMS_CONFIG_OFF },
    extras: {},
  });
  assert.deepEqual(new FedAvg({ localEpochs: 5, batchSize: 64 }).configureFit(ctx(0)).config, {
    localEpochs: 5,
    batchSize: 64,
    proximalMu: 0,
    scaffold: false,
    ...DP_SGD_CONFIG_OFF,
    ...TRANSFORMS_CONFIG_OFF,
  });
});

test('FedAvg refuses a round with no replies, naming the failures and giving the hint', () => {
  const failures = [
    { clientId: 'a', reason: 'timeout' },
    { clientId: 'b', reason: 'disconnected' },
  ];
  assert.equal(new FedAvg().minReplies(), 1);
  assert.throws(
    () => new FedAvg().aggregateFit(ctx(0), [], failures),
    (err: unknown) => {
      assert.ok(err instanceof RoundRefusedError);
      assert.match(err.message, /^FedAvg received no replies to aggregate; 2 sampled client\(s\) failed \(a: timeout; b: disconnected\)$/);
      assert.match(err.hint ?? '', /raise the fraction of clients sampled, or lengthen the round deadline/);
      return true;
    },
  );
});

test('FedAvg refuses bad replies, naming the client', () => {
  const s = new FedAvg();
  assert.throws(() => s.aggregateFit(ctx(0, 0), [reply('a', [1, 1]), reply('b', [1])], []), errorLike(RoundRefusedError, /client 'b' sent 1 parameters, expected 2/));
  assert.throws(() => s.aggregateFit(ctx(0), [reply('a', [NaN])], []), errorLike(RoundRefusedError, /client 'a' sent a non-finite parameter \(NaN at index 0\)/));
  assert.throws(() => s.aggregateFit(ctx(0), [reply('a', [1], -1)], []), errorLike(RoundRefusedError, /client 'a' reported -1 examples/));
  assert.throws(() => s.aggregateFit(ctx(0), [reply('a', [1]), reply('a', [2])], []), errorLike(RoundRefusedError, /two replies from client 'a'/));
  assert.throws(() => s.aggregateFit(ctx(0), [reply('a', [1], 0), reply('b', [2], 0)], []), errorLike(RoundRefusedError, /all 2 replies reported 0 examples/));
  assert.equal(s.checkReply(ctx(0), reply('a', [1])), undefined);
});
