import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { EXTRA_CONTROL_DELTA, EXTRA_SERVER_CONTROL } from '../client-config.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { Scaffold } from './scaffold.js';
import { DP_SGD_CONFIG_OFF } from '../client/algorithms/options.js';
import { TRANSFORMS_CONFIG_OFF } from '../client/transforms/options.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (round: number, numClients: number, ...global: number[]): RoundContext => ({ round, global: f32(...global), numClients });
function reply(clientId: string, params: number[], controlDelta?: number[]): FitReply {
  return { clientId, params: f32(...params), numExamples: 10, metrics: {}, extras: controlDelta === undefined ? {} : { [EXTRA_CONTROL_DELTA]: f32(...controlDelta) } };
}

test('SCAFFOLD tells clients to use control variates and sends c (zeros at first)', () => {
  const out = new Scaffold().configureFit(ctx(1, 4, 1, 1));
  assert.deepEqual(out.config, { localEpochs: 1, batchSize: 32, proximalMu: 0, scaffold: true, ...DP_SGD_CONFIG_OFF, ...TRANSFORMS_CONFIG_OFF });
  assert.deepEqual(Array.from(out.extras[EXTRA_SERVER_CONTROL]), [0, 0]);
});

test('SCAFFOLD steps x and c as in Karimireddy et al. over two rounds', () => {
  const s = new Scaffold();
  s.configureFit(ctx(1, 4, 1, 1));

  // Round 1, N = 4, x = (1, 1), c = 0: mean(y − x) = ((1, −1) + (3, 0))/2 = (2, −0.5) → x = (3, 0.5);
  // mean(Δc) = ((1, 1) + (3, −1))/2 = (2, 0) → c = (2/4)·(2, 0) = (1, 0)
  const r1 = s.aggregateFit(ctx(1, 4, 1, 1), [reply('b', [4, 1], [3, -1]), reply('a', [2, 0], [1, 1])], []);
  const sent = s.configureFit(ctx(2, 4, 3, 0.5)).extras[EXTRA_SERVER_CONTROL];
  // Round 2, one reply: x = (3, 0.5) + ((5, 0.5) − (3, 0.5)) = (5, 0.5); c = (1, 0) + (1/4)·(4, 4) = (2, 1)
  const r2 = s.aggregateFit(ctx(2, 4, 3, 0.5), [reply('a', [5, 0.5], [4, 4])], []);

  assertClose(r1.params, [3, 0.5], 1e-7, 'round 1 params');
  assertClose(sent, [1, 0], 1e-7, 'control sent in round 2');
  assertClose(r2.params, [5, 0.5], 1e-7, 'round 2 params');
  assertClose(s.getState().vectors[EXTRA_SERVER_CONTROL], [2, 1], 1e-7, 'control state');
});

test('SCAFFOLD refuses a round with a reply lacking controlDelta, naming the client', () => {
  const s = new Scaffold();
  const replies = [reply('a', [1], [0]), reply('b', [1])];
  assert.match(s.checkReply(ctx(1, 4, 0), replies[1]) ?? '', /client 'b' sent no 'controlDelta'/);
  assert.throws(() => s.aggregateFit(ctx(1, 4, 0), replies, []), errorLike(RoundRefusedError, /SCAFFOLD cannot aggregate: client 'b' sent no 'controlDelta'/));
  assert.throws(() => s.aggregateFit(ctx(1, 4, 0), [reply('a', [1], [0, 0])], []), errorLike(RoundRefusedError, /'controlDelta' of 2 values, expected 1/));
});

test('SCAFFOLD uses N = |S| when the runtime reports fewer clients than replies', () => {
  const s = new Scaffold();
  // N = max(1, 2) = 2: c = (2/2)·mean((1), (3)) = 2
  s.aggregateFit(ctx(1, 1, 0), [reply('a', [1], [1]), reply('b', [1], [3])], []);
  assertClose(s.getState().vectors[EXTRA_SERVER_CONTROL], [2], 1e-7, 'control');
});
