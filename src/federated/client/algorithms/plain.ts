/** `plain`: clients train on their own loss only; nothing is sent, expected or kept besides the parameters. */
import { statelessServerHalf, type ClientAlgorithm } from './algorithm.js';
import type { ClientAlgorithmSpecOf } from './options.js';

/** Plain local training. */
export const plainAlgorithm: ClientAlgorithm<ClientAlgorithmSpecOf<'plain'>> = {
  name: 'plain',
  summary: 'local training on the client\'s own loss (FedAvg\'s clients)',
  configOff: {},
  server: () => statelessServerHalf('plain', 'plain clients', {}),
  client: {
    stateNames: [],
    // Nothing to add to local training: no round ever needs this half.
    active: () => false,
    begin: () => ({ finish: () => ({ extras: {}, state: {} }), dispose: () => undefined }),
  },
};
