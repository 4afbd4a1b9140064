import { test } from 'node:test';
import { assertClose } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedAdagrad } from './fedadagrad.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (round: number, ...global: number[]): RoundContext => ({ round, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[], numExamples: number): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });

test('FedAdagrad (defaults η = 0.1, β₁ = 0, τ = 1e-3) accumulates Δ² over two rounds', () => {
  const s = new FedAdagrad();

  // Round 1: Δ = 0.5: m = 0.5, v = 0.25, x = 1 + 0.1·0.5/(0.5 + 0.001)
  const r1 = s.aggregateFit(ctx(1, 1), [reply('a', [1.5], 1)], []);
  const x1 = 1 + 0.05 / 0.501;
  // Round 2: Δ = −1: m = −1, v = 0.25 + 1 = 1.25, x = x1 − 0.1/(√1.25 + 0.001)
  const r2 = s.aggregateFit(ctx(2, r1.params[0]), [reply('a', [r1.params[0] - 1], 1)], []);

  assertClose(r1.params, [x1], 1e-6, 'round 1');
  assertClose(r2.params, [x1 - 0.1 / (Math.sqrt(1.25) + 0.001)], 1e-5, 'round 2');
  assertClose(s.getState().vectors.v, [1.25], 1e-6, 'v');
});

test('FedAdagrad with momentum β₁ = 0.5', () => {
  // Δ = 0.5: m = 0.5·0.5 = 0.25, v = 0.25, x = 1 + 0.1·0.25/(0.5 + 0.001)
  const out = new FedAdagrad({ beta1: 0.5 }).aggregateFit(ctx(1, 1), [reply('a', [1.5], 1)], []);
  assertClose(out.params, [1 + 0.025 / 0.501], 1e-6, 'params');
});
