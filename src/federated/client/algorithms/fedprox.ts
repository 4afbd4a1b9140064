/**
 * `fedprox` (Li et al., MLSys 2020, "Federated optimization in heterogeneous networks"): clients
 * minimize their loss plus (μ/2)·‖w − w_global‖² over the trainable weights, which keeps them near
 * the global model on non-IID data. The server half sends `proximalMu` = μ > 0; the client half
 * adds the `proximal` loss term (reported as a client metric).
 */
import * as tf from '@tensorflow/tfjs-core';
import { statelessServerHalf, type ClientAlgorithm, type ClientRound, type ClientRoundInput } from './algorithm.js';
import type { ClientAlgorithmSpecOf } from './options.js';

function begin(input: ClientRoundInput): ClientRound {
  const mu = input.config.proximalMu;
  const { trainable, global } = input;
  const globals = trainable.map((s) => tf.tensor(global.slice(s.offset, s.offset + s.size), s.shape, 'float32'));
  return {
    losses: () => {
      const squares = trainable.map((s, k) => tf.sum(tf.square(tf.sub(s.variable, globals[k]))));
      return { proximal: tf.mul(mu / 2, tf.addN(squares)) as tf.Scalar };
    },
    finish: () => ({ extras: {}, state: {} }),
    dispose: () => tf.dispose(globals),
  };
}

/** FedProx's proximal term. */
export const fedproxAlgorithm: ClientAlgorithm<ClientAlgorithmSpecOf<'fedprox'>> = {
  name: 'fedprox',
  summary: 'clients add (μ/2)·‖w − w_global‖² to their loss (Li et al. 2020)',
  configOff: { proximalMu: 0 },
  server: (spec) => statelessServerHalf('fedprox', `FedProx clients (μ=${spec.proximalMu})`, { proximalMu: spec.proximalMu }),
  client: {
    stateNames: [],
    active: (config) => config.proximalMu > 0,
    begin,
  },
};
