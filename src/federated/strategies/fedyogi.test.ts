import { test } from 'node:test';
import { assertClose } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedYogi } from './fedyogi.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (round: number, ...global: number[]): RoundContext => ({ round, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[], numExamples: number): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });

test('FedYogi (defaults η = 0.01, β₁ = 0.9, β₂ = 0.99, τ = 1e-3) over two rounds', () => {
  const s = new FedYogi();

  // Round 1: Δ = 0.5: m = 0.05, v = 0 − 0.01·0.25·sign(0 − 0.25) = 0.0025; x = 1 + 0.01·0.05/0.051
  const r1 = s.aggregateFit(ctx(1, 1), [reply('a', [1.5], 1)], []);
  const x1 = 1 + 0.0005 / 0.051;
  // Round 2: Δ = 0.5: m = 0.095, v = 0.0025 + 0.0025 = 0.005; x = x1 + 0.01·0.095/(√0.005 + 0.001)
  const r2 = s.aggregateFit(ctx(2, r1.params[0]), [reply('a', [r1.params[0] + 0.5], 1)], []);

  assertClose(r1.params, [x1], 1e-6, 'round 1');
  assertClose(r2.params, [x1 + 0.00095 / (Math.sqrt(0.005) + 0.001)], 1e-5, 'round 2');
  assertClose(s.getState().vectors.v, [0.005], 1e-6, 'v');
});
