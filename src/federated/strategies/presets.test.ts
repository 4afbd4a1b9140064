/**
 * Every preset against the formula of the strategy class it replaced, as pure functions over
 * Float32Arrays, on random rounds: the parameters (and SCAFFOLD's control variate) must be the
 * same bit for bit over three rounds, with default and non-default options.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomValues } from '../../engine/testing.js';
import { adaptiveStep, type AdaptiveRule } from '../aggregate/adaptive.js';
import { bulyan } from '../aggregate/bulyan.js';
import { coordinateMedian } from '../aggregate/coordinate-median.js';
import { krumSelect } from '../aggregate/krum.js';
import { scaffoldStep } from '../aggregate/scaffold.js';
import { serverMomentumStep } from '../aggregate/server-momentum.js';
import { trimmedMean } from '../aggregate/trimmed-mean.js';
import { mean, weightedMean } from '../aggregate/weighted-mean.js';
import { EXTRA_CONTROL_DELTA, EXTRA_SERVER_CONTROL } from '../client-config.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { sortByClient } from './base.js';
import { PresetSpecSchema, type PresetSpec } from './options.js';
import { createStrategy } from './registry.js';

const DIM = 11;
const N = 9;
const NUM_CLIENTS = 20;

function bits(v: Float32Array): number[] {
  return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
}

/** Replies in a scrambled order, around `global`, with random example counts and control deltas. */
function round(global: Float32Array, seed: number): FitReply[] {
  const replies = Array.from({ length: N }, (_, k): FitReply => {
    const noise = randomValues(DIM, seed * 100 + k);
    const scale = 1 + (k % 3);
    return {
      clientId: `site-${String((k * 5) % N).padStart(2, '0')}`,
      params: global.map((g, i) => g + 0.3 * scale * noise[i]),
      numExamples: 1 + ((seed * 7 + k * 13) % 50),
      metrics: { loss: 1 / (k + 1) },
      extras: { [EXTRA_CONTROL_DELTA]: randomValues(DIM, seed * 1000 + k) },
    };
  });
  return replies.reverse();
}

/** The replaced classes' formulas, with their state, one round at a time. */
function reference(spec: PresetSpec): (ctx: RoundContext, replies: FitReply[]) => Float32Array {
  let momentum: Float32Array = new Float32Array(DIM);
  let m: Float32Array = new Float32Array(DIM);
  let v: Float32Array = new Float32Array(DIM);
  let steps = 0;
  let control: Float32Array = new Float32Array(DIM);
  const byExamples = (r: FitReply[]): Float32Array => weightedMean(r.map((x) => x.params), r.map((x) => x.numExamples));
  const adaptive = (rule: AdaptiveRule, s: { serverLearningRate: number; beta1: number; beta2: number; tau: number }, bias: boolean) => (ctx: RoundContext, r: FitReply[]) => {
    steps++;
    const out = adaptiveStep({ rule, global: ctx.global, average: byExamples(r), m, v, ...s, biasCorrectionStep: bias ? steps : undefined });
    ({ m, v } = out);
    return out.params;
  };
  switch (spec.name) {
    case 'fedavg':
    case 'fedprox':
      return (_ctx, r) => byExamples(r);
    case 'fedavgm':
      return (ctx, r) => {
        const out = serverMomentumStep({ global: ctx.global, average: byExamples(r), momentum, serverLearningRate: spec.serverLearningRate, serverMomentum: spec.serverMomentum });
        momentum = out.momentum;
        return out.params;
      };
    case 'fedadam':
      return adaptive('adam', spec, spec.biasCorrection);
    case 'fedyogi':
      return adaptive('yogi', spec, false);
    case 'fedadagrad':
      return adaptive('adagrad', spec, false);
    case 'scaffold':
      return (ctx, r) => {
        const out = scaffoldStep({
          global: ctx.global,
          control,
          params: r.map((x) => x.params),
          controlDeltas: r.map((x) => x.extras[EXTRA_CONTROL_DELTA]),
          numClients: Math.max(ctx.numClients, r.length),
          serverLearningRate: spec.serverLearningRate,
        });
        control = out.control;
        return out.params;
      };
    case 'fedmedian':
      return (_ctx, r) => coordinateMedian(r.map((x) => x.params));
    case 'fedtrimmedavg':
      return (_ctx, r) => trimmedMean(r.map((x) => x.params), { beta: spec.beta });
    case 'krum':
      return (_ctx, r) => Float32Array.from(r[krumSelect(r.map((x) => x.params), { byzantine: spec.byzantine, keep: 1 }).selected[0]].params);
    case 'multikrum':
      return (_ctx, r) => {
        const keep = spec.keep ?? r.length - spec.byzantine;
        return mean(krumSelect(r.map((x) => x.params), { byzantine: spec.byzantine, keep }).selected.map((i) => r[i].params));
      };
    case 'bulyan':
      return (_ctx, r) => bulyan(r.map((x) => x.params), { byzantine: spec.byzantine }).params;
  }
}

const SPECS: unknown[] = [
  { name: 'fedavg' },
  { name: 'fedprox', proximalMu: 0.3 },
  { name: 'fedavgm' },
  { name: 'fedavgm', serverLearningRate: 0.5, serverMomentum: 0.3 },
  { name: 'fedadam' },
  { name: 'fedadam', biasCorrection: true, serverLearningRate: 0.3, beta1: 0.5 },
  { name: 'fedyogi' },
  { name: 'fedadagrad', beta1: 0.4 },
  { name: 'scaffold' },
  { name: 'scaffold', serverLearningRate: 0.7 },
  { name: 'fedmedian' },
  { name: 'fedtrimmedavg', beta: 0.3 },
  { name: 'krum', byzantine: 2 },
  { name: 'multikrum' },
  { name: 'multikrum', byzantine: 2, keep: 4 },
  { name: 'bulyan', byzantine: 1 },
];

describe('each preset is the formula of the class it replaced, bit for bit', () => {
  for (const raw of SPECS) {
    test(JSON.stringify(raw), () => {
      const spec = PresetSpecSchema.parse(raw);
      const strategy = createStrategy(raw);
      const formula = reference(spec);
      let global = randomValues(DIM, 99);
      for (let r = 1; r <= 3; r++) {
        const ctx: RoundContext = { round: r, global, numClients: NUM_CLIENTS };
        const replies = round(global, r);
        strategy.configureFit(ctx);

        const got = strategy.aggregateFit(ctx, replies, []).params;
        const want = formula(ctx, sortByClient(replies));

        assert.deepEqual(bits(got), bits(want), `round ${r}`);
        global = got;
      }
      if (spec.name === 'scaffold') {
        const sent = strategy.configureFit({ round: 4, global, numClients: NUM_CLIENTS }).extras[EXTRA_SERVER_CONTROL];
        const state = strategy.getState().vectors[EXTRA_SERVER_CONTROL];
        assert.deepEqual(bits(sent), bits(state), 'the control sent is the state');
        assert.ok(state.some((x) => x !== 0));
      }
    });
  }

  test('SCAFFOLD\'s control variate follows scaffoldStep bit for bit, with N > |S| and N < |S|', () => {
    for (const numClients of [NUM_CLIENTS, 3]) {
      const strategy = createStrategy({ name: 'scaffold', serverLearningRate: 0.9 });
      let control: Float32Array = new Float32Array(DIM);
      let global = randomValues(DIM, 5);
      for (let r = 1; r <= 3; r++) {
        const ctx: RoundContext = { round: r, global, numClients };
        const replies = sortByClient(round(global, 10 + r));
        const got = strategy.aggregateFit(ctx, replies, []).params;
        const want = scaffoldStep({ global, control, params: replies.map((x) => x.params), controlDeltas: replies.map((x) => x.extras[EXTRA_CONTROL_DELTA]), numClients: Math.max(numClients, N), serverLearningRate: 0.9 });
        assert.deepEqual(bits(got), bits(want.params), `N = ${numClients}, round ${r}: params`);
        assert.deepEqual(bits(strategy.getState().vectors[EXTRA_SERVER_CONTROL]), bits(want.control), `N = ${numClients}, round ${r}: control`);
        ({ control } = want);
        global = got;
      }
    }
  });
});
