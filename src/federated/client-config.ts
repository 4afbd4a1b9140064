/**
 * The round configuration keys a client understands. Strategies put these in
 * `FitInstructions.config`; the client's local training reads them. Besides the local epochs and
 * batch size, every round config carries the entries of every client algorithm
 * (`client/algorithms/options.ts`), switched off unless the strategy chose that algorithm.
 */
import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { DP_SGD_ROUND_CONFIG, FEDPROX_ROUND_CONFIG, SCAFFOLD_ROUND_CONFIG } from './client/algorithms/options.js';
import { COMPRESSION_ROUND_CONFIG, DP_ROUND_CONFIG } from './client/transforms/options.js';

export { CONTROL_DELTA as EXTRA_CONTROL_DELTA, SERVER_CONTROL as EXTRA_SERVER_CONTROL } from './client/algorithms/options.js';

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
  /** DP-FedAvg with client noise: clip the update to this L2 norm (0: off); see `client/transforms/options.ts` for the other `dp*` entries. */
  dpClip: number;
  /** DP-SGD: clip each example's gradient to this L2 norm (0: off); see `client/algorithms/options.ts` for the other `dpSgd*` entries. */
  dpSgdClip: number;
}

/** The round config as a client reads it: the ClientTrainConfig keys plus the round's seed. */
export const ClientTrainConfigSchema = z
  .object({
    localEpochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    ...FEDPROX_ROUND_CONFIG,
    ...SCAFFOLD_ROUND_CONFIG,
    ...DP_SGD_ROUND_CONFIG,
    ...DP_ROUND_CONFIG,
    ...COMPRESSION_ROUND_CONFIG,
    /** Seed of this round's local shuffling; the client mixes in its own id. */
    seed: z.number().int().min(0).default(0),
  })
  .loose();

/** A round config as parsed by {@link ClientTrainConfigSchema}: local epochs, batch size, the client algorithms' entries and the round's seed (default 0); unknown keys are kept. */
export type ParsedClientTrainConfig = z.infer<typeof ClientTrainConfigSchema>;

/** Reads a round config sent by the server; a config the client cannot follow is a protocol error. */
export function parseClientTrainConfig(config: Record<string, unknown>): ParsedClientTrainConfig {
  const parsed = ClientTrainConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError(
      `the round config cannot be followed: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      'server and client must run compatible versions of jointly',
    );
  }
  return parsed.data;
}
