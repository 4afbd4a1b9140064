/**
 * `scaffold` (Karimireddy et al., ICML 2020, "Stochastic Controlled Averaging for Federated
 * Learning", option II). The server keeps a control variate c and sends it to every sampled client
 * (`serverControl`, with `scaffold: true` in the config); each client corrects every local step by
 * w ← w − lr·(c − cᵢ) (after the optimizer's step, outside its momentum, as the paper and
 * NIID-Bench), then sets cᵢ⁺ = cᵢ − c + (x − yᵢ)/(K·lr) on the trainable weights and returns
 * Δcᵢ = cᵢ⁺ − cᵢ (`controlDelta`). The server then steps c ← c + (|S|/N)·mean(Δcᵢ), N the clients
 * in the federation (`RoundContext.numClients`, at least |S|). Server state: c; client state: cᵢ.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../../../errors.js';
import { controlVariateStep } from '../../aggregate/scaffold.js';
import { norm } from '../../aggregate/vectors.js';
import { checkStateLength, readState, type PartContext, type StateLayout } from '../../strategies/base.js';
import type { FitReply, RoundContext, StrategyState, Vectors } from '../../strategy.js';
import { checkParamLength, type ClientAlgorithm, type ClientRound, type ClientRoundInput, type ServerHalf, type ServerUpdate } from './algorithm.js';
import { CLIENT_CONTROL, CONTROL_DELTA, SERVER_CONTROL, type ClientAlgorithmSpecOf } from './options.js';

/** SCAFFOLD's server half: c. */
class ScaffoldServer implements ServerHalf {
  readonly name = 'scaffold';
  readonly title = 'SCAFFOLD clients';
  readonly stateLayout: StateLayout = { scalars: [], vectors: [SERVER_CONTROL] };
  readonly replyExtrasHint = 'SCAFFOLD clients must return the change of their control variate (was the client told scaffold: true?)';
  private readonly ctx: PartContext;
  /** c; zeros of the model's length until the first round. */
  private control: Float32Array | undefined;

  constructor(ctx: PartContext) {
    this.ctx = ctx;
  }

  /** c, created as zeros of the model's length on first use. */
  private controlFor(ctx: RoundContext): Float32Array {
    if (this.control === undefined) this.control = new Float32Array(ctx.global.length);
    checkStateLength(this.ctx.strategy, SERVER_CONTROL, this.control, ctx.global.length);
    return this.control;
  }

  config(): { scaffold: true } {
    return { scaffold: true };
  }

  extras(ctx: RoundContext): Vectors {
    return { [SERVER_CONTROL]: Float32Array.from(this.controlFor(ctx)) };
  }

  replyExtras(ctx: RoundContext): Record<string, number> {
    return { [CONTROL_DELTA]: ctx.global.length };
  }

  update(ctx: RoundContext, replies: readonly FitReply[]): ServerUpdate {
    // N may be below |S| if clients were revoked during the round; the control step is then |S|/|S|.
    const numClients = Math.max(ctx.numClients, replies.length);
    const control = controlVariateStep({
      control: this.controlFor(ctx),
      controlDeltas: replies.map((r) => r.extras[CONTROL_DELTA]),
      numClients,
      labels: replies.map((r) => r.clientId),
    });
    return {
      metrics: { controlNorm: norm(control) },
      commit: () => {
        this.control = control;
      },
    };
  }

  getState(): StrategyState {
    return { scalars: {}, vectors: this.control === undefined ? {} : { [SERVER_CONTROL]: Float32Array.from(this.control) } };
  }

  setState(state: StrategyState): void {
    this.control = readState(this.ctx.strategy, state, this.stateLayout).vectors[SERVER_CONTROL];
  }
}

function begin(input: ClientRoundInput): ClientRound {
  const { paramCount, trainable, learningRate: lr, steps, global } = input;
  const serverControl = input.extras[SERVER_CONTROL];
  if (serverControl === undefined) {
    throw new ShapeMismatchError(`SCAFFOLD round without the '${SERVER_CONTROL}' vector`, 'the server must send its control variate');
  }
  checkParamLength(serverControl, paramCount, SERVER_CONTROL);
  const clientControl = input.state[CLIENT_CONTROL] ?? new Float32Array(paramCount);
  checkParamLength(clientControl, paramCount, 'client control variate');
  const correction = new Float32Array(paramCount);
  for (let i = 0; i < paramCount; i++) correction[i] = lr * (serverControl[i] - clientControl[i]);
  const corrections = trainable.map((s) => tf.tensor(correction.slice(s.offset, s.offset + s.size), s.shape, 'float32'));
  return {
    afterStep: () => {
      tf.tidy(() => trainable.forEach((s, k) => s.variable.assign(tf.sub(s.variable, corrections[k]))));
    },
    finish: (params) => {
      // Option II: cᵢ⁺ = cᵢ − c + (x − yᵢ)/(K·lr), on the trainable weights; the rest keeps cᵢ.
      const next = clientControl.slice();
      const delta = new Float32Array(paramCount);
      for (const s of trainable) {
        for (let i = s.offset; i < s.offset + s.size; i++) {
          next[i] = clientControl[i] - serverControl[i] + (global[i] - params[i]) / (steps * lr);
          delta[i] = next[i] - clientControl[i];
        }
      }
      return { extras: { [CONTROL_DELTA]: delta }, state: { [CLIENT_CONTROL]: next } };
    },
    dispose: () => tf.dispose(corrections),
  };
}

/** SCAFFOLD's control variates. */
export const scaffoldAlgorithm: ClientAlgorithm<ClientAlgorithmSpecOf<'scaffold'>> = {
  name: 'scaffold',
  summary: 'control variates correct client drift (Karimireddy et al. 2020)',
  configOff: { scaffold: false },
  server: (_spec, ctx) => new ScaffoldServer(ctx),
  client: {
    stateNames: [CLIENT_CONTROL],
    active: (config) => config.scaffold,
    begin,
  },
};
