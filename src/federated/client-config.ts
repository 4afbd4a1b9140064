/**
 * The round configuration keys a client understands. Strategies put these in
 * `FitInstructions.config`; the client's local training reads them.
 */
import { z } from 'zod';
import { ProtocolError } from '../errors.js';

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


/** The round config as a client reads it: the ClientTrainConfig keys plus the round's seed. */
export const ClientTrainConfigSchema = z
  .object({
    localEpochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    proximalMu: z.number().min(0).default(0),
    scaffold: z.boolean().default(false),
    /** Seed of this round's local shuffling; the client mixes in its own id. */
    seed: z.number().int().min(0).default(0),
  })
  .loose();

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
