/**
 * The round configuration keys a client understands. Strategies put these in
 * `FitInstructions.config`; the client's local training reads them.
 */

/** Local training settings sent by the server each round. */
export interface ClientTrainConfig {
  /** Passes over the client's local data. */
  localEpochs: number;
  /** Samples per local step. */
  batchSize: number;
  /** FedProx: weight mu of the proximal term (mu/2)·||w − w_global||². 0 disables it. */
  proximalMu: number;
  /** SCAFFOLD: correct local gradients with the control variates (server sends `serverControl`, client returns `controlDelta`). */
  scaffold: boolean;
}

/** Extra vector names used between strategies and clients. */
export const EXTRA_SERVER_CONTROL = 'serverControl';
export const EXTRA_CONTROL_DELTA = 'controlDelta';
