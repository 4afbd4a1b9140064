/**
 * A SecAgg+ round among simulated clients: the clients' updates (trained on worker threads) are
 * turned into payloads and summed by the real protocol, client and server state machines in this
 * process, messages passed by call (`driver.ts`). What leaves this function is what a SecAgg+
 * server learns: the sum of the included clients' payloads, who is in it, and the byte counts.
 * Optional scripted dropouts after masking test and measure the protocol's dropout recovery.
 */
import { RoundRefusedError } from '../../errors.js';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import type { FitFailure, FitReply } from '../strategy.js';
import type { SecureAggregationSpec } from '../strategies/secure/options.js';
import { runInProcessRound } from './driver.js';
import { messageBytes } from './messages.js';
import { neighboursForDropout } from './neighbours-for-dropout.js';
import { quantizationErrorBound } from './ring.js';
import { payloadLength, securePayload, splitSecureSum, type SecureSum } from './secure-payload.js';
import { createSecAggSetup } from './setup.js';

/** What {@link secureSumOfReplies} needs. */
export interface SimulatedSecureRound {
  round: number;
  /** x: the round's global parameters. */
  global: Float32Array;
  /** The replies to sum (validated), any order. */
  replies: readonly FitReply[];
  spec: SecureAggregationSpec;
  /** Extras summed with the updates, name → length. */
  summedExtras: Readonly<Record<string, number>>;
  /** Run seed (the communication graph's public seed derives from it and the round). */
  seed: number;
  /** Fraction of the clients that vanish after sending their masked input, in [0, 1). Default 0. */
  dropAfterMasking?: number;
}

/** What a secure round delivers to the server. */
export interface SimulatedSecureOutcome {
  sum: SecureSum;
  /** Client ids in the sum, sorted. */
  included: string[];
  /** Clients of the round whose updates are not in the sum (dropped before masking). */
  excluded: FitFailure[];
  /** `secaggNeighbours`, `secaggThreshold`, `secaggDroppedAfterMasking`, `secaggMaxError` (per coordinate of the sum). */
  metrics: Record<string, number>;
  /** Bytes the server sent to the clients during the protocol, and received from them. */
  bytesSent: number;
  bytesReceived: number;
}

/** Sums the replies' payloads by SecAgg+; throws RoundRefusedError when the protocol cannot complete. */
export async function secureSumOfReplies(r: SimulatedSecureRound): Promise<SimulatedSecureOutcome> {
  const replies = [...r.replies].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  if (replies.length < 3) {
    throw new RoundRefusedError(`secure aggregation needs at least 3 replies, got ${replies.length}`, 'sample more clients per round (sampling.fraction, sampling.minFit)');
  }
  const ids = replies.map((_, i) => i);
  const length = payloadLength(r.global.length, r.summedExtras);
  const setup = createSecAggSetup({
    round: r.round,
    clientIds: ids,
    vectorLength: length,
    neighbours: r.spec.neighbours ?? neighboursForDropout(ids.length, r.spec.maxDropout),
    ...(r.spec.threshold === undefined ? {} : { threshold: r.spec.threshold }),
    graphSeed: deriveSeed(r.seed, `secagg/round-${r.round}`),
    clipRange: r.spec.clipRange,
    fractionBits: r.spec.fractionBits,
  });
  const updates = new Map(replies.map((reply, i) => [i, securePayload(r.global, reply.params, reply.extras, r.summedExtras)]));
  const dropCount = Math.floor((r.dropAfterMasking ?? 0) * replies.length);
  const order = permutation(replies.length, createRng(deriveSeed(r.seed, `secagg/drop-${r.round}`)));
  const dropped = Array.from(order.subarray(0, dropCount));
  let bytesSent = 0;
  const report = await runInProcessRound(setup, updates, {
    dropBeforeUnmask: dropped,
    toClient: (msg) => {
      bytesSent += messageBytes(msg);
      return msg;
    },
    concurrency: 4,
  });
  const bytesReceived = [...report.bytesSent.values()].reduce((s, b) => s + b, 0);
  const included = report.result.included.map((i) => replies[i].clientId);
  const excluded = report.result.excluded.map((i) => ({ clientId: replies[i].clientId, reason: 'dropped out of the secure aggregation before sending its masked input' }));
  return {
    sum: splitSecureSum(report.result.sum, r.global.length, r.summedExtras),
    included,
    excluded,
    metrics: {
      secaggNeighbours: setup.neighbours,
      secaggThreshold: setup.threshold,
      secaggDroppedAfterMasking: dropCount,
      secaggMaxError: quantizationErrorBound(included.length, setup),
    },
    bytesSent,
    bytesReceived,
  };
}
