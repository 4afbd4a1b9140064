import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedAdam } from './fedadam.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (round: number, ...global: number[]): RoundContext => ({ round, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[], numExamples: number): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });

test('FedAdam (defaults η = 0.1, β₁ = 0.9, β₂ = 0.99, τ = 1e-3) over two rounds', () => {
  const s = new FedAdam();

  // Round 1: x = 1, a = (1 + 2)/2 = 1.5, Δ = 0.5: m = 0.05, v = 0.0025, x = 1 + 0.1·0.05/(0.05 + 0.001)
  const r1 = s.aggregateFit(ctx(1, 1), [reply('a', [1], 1), reply('b', [2], 1)], []);
  const x1 = 1 + 0.005 / 0.051;
  // Round 2: a = x1 + 0.5 → Δ = 0.5: m = 0.095, v = 0.004975, x = x1 + 0.1·0.095/(√0.004975 + 0.001)
  const r2 = s.aggregateFit(ctx(2, r1.params[0]), [reply('a', [r1.params[0] + 0.5], 1)], []);

  assertClose(r1.params, [x1], 1e-6, 'round 1');
  assertClose(r2.params, [x1 + 0.0095 / (Math.sqrt(0.004975) + 0.001)], 1e-5, 'round 2');
  const state = s.getState();
  assert.equal(state.scalars.steps, 2);
  assertClose(state.vectors.m, [0.095], 1e-6, 'm');
  assertClose(state.vectors.v, [0.004975], 1e-6, 'v');
  assert.equal(r2.metrics.serverStep, 2);
});

test('FedAdam with bias correction scales η at step t by √(1 − β₂ᵗ)/(1 − β₁ᵗ)', () => {
  const s = new FedAdam({ biasCorrection: true });
  // Step 1: η₁ = 0.1·√0.01/0.1 = 0.1, as without correction.
  const r1 = s.aggregateFit(ctx(1, 1), [reply('a', [1.5], 1)], []);
  // Step 2: η₂ = 0.1·√0.0199/0.19
  const r2 = s.aggregateFit(ctx(2, r1.params[0]), [reply('a', [r1.params[0] + 0.5], 1)], []);
  const eta2 = (0.1 * Math.sqrt(0.0199)) / 0.19;
  assertClose(r1.params, [1 + 0.005 / 0.051], 1e-6, 'round 1');
  assertClose(r2.params, [r1.params[0] + (eta2 * 0.095) / (Math.sqrt(0.004975) + 0.001)], 1e-5, 'round 2');
});
