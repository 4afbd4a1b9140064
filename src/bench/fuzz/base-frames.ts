/**
 * The valid messages the server fuzzer starts from, one per type: what a client says (hello,
 * heartbeat, fitReply, evaluateReply, error, bye, challengeAnswer, secureReady and the SecAgg+
 * stages keys, shares, masked input, unmask) and what only a server may say (welcome, refuse,
 * fit, evaluate, challenge, the SecAgg+ setup, key list, inbox and unmask request), built from the fuzzer's context (its id and token, the fit it is
 * answering). Pure.
 */
import type { Rng } from '../../engine/random.js';
import { FORMAT_VERSION, MESSAGE_TYPE_CODES, type FitMessage, type Message, type MessageType } from '../../federated/protocol/messages.js';
import type { NamedTensor } from '../../federated/protocol/tensors.js';

/** What the fuzzer knows when it builds a message. */
export interface FrameContext {
  /** The client id its hello claims. */
  clientId: string;
  /** The token its hello carries (a wrong one for unauthenticated cases). */
  token: string;
  /** Training examples its hello declares (the cap on what its replies may claim). */
  numExamples: number;
  /** The fit being answered, if any: its round and parameters shape the fitReply. */
  fit?: FitMessage;
}

/** Every message type, in type-code order. */
export const ALL_TYPES: readonly MessageType[] = Object.keys(MESSAGE_TYPE_CODES) as MessageType[];

/** A parameter layout for frames sent without a fit (before hello): one kernel and one bias. */
const STAND_IN_PARAMS: readonly NamedTensor[] = [
  { name: 'dense_Dense1/kernel', shape: [4, 8], values: new Float32Array(32).fill(0.1) },
  { name: 'dense_Dense1/bias', shape: [8], values: new Float32Array(8) },
];

function paramsOf(ctx: FrameContext): NamedTensor[] {
  return (ctx.fit?.params ?? STAND_IN_PARAMS).map((t) => ({ name: t.name, shape: [...t.shape], values: t.values.slice() }));
}

/**
 * A valid message of `type`. The fitReply echoes the fit's parameters (delta false) or sends a
 * zero update (delta true), claiming between 1 and `numExamples` examples: an honest reply.
 */
export function baseMessage(type: MessageType, ctx: FrameContext, rng: Rng): Message {
  const round = ctx.fit?.round ?? 1 + rng.int(5);
  switch (type) {
    case 'hello':
      return {
        type,
        protocolVersion: FORMAT_VERSION,
        clientId: ctx.clientId,
        token: ctx.token,
        capabilities: { backend: 'cpu', numExamples: ctx.numExamples, maxMessageBytes: 16 * 1024 * 1024, jointlyVersion: 'fuzz' },
      };
    case 'welcome':
      return { type, runId: 'fuzz', task: { model: { type: 'mlp' } }, heartbeatSeconds: 2, maxMessageBytes: 1 << 20 };
    case 'refuse':
      return { type, code: 'auth', reason: 'fuzz' };
    case 'fit':
      return { type, round, config: { localEpochs: 1, batchSize: 16 }, params: paramsOf(ctx), extras: {} };
    case 'fitReply': {
      const delta = rng.next() < 0.3;
      const params = paramsOf(ctx).map((t) => (delta ? { ...t, values: new Float32Array(t.values.length) } : t));
      return { type, round, numExamples: 1 + rng.int(ctx.numExamples), metrics: { loss: 0.5, accuracy: 0.8 }, delta, params, extras: {}, durationSeconds: 0.01 };
    }
    case 'evaluate':
      return { type, round, config: {}, params: paramsOf(ctx) };
    case 'evaluateReply':
      return { type, round, numExamples: 1 + rng.int(ctx.numExamples), metrics: { loss: 0.4, accuracy: 0.9 } };
    case 'heartbeat':
      return { type, seq: rng.int(1000), sentAt: 1_700_000_000_000 + rng.int(1e9) };
    case 'challenge':
      return { type, nonce: 'A'.repeat(43), runId: 'fuzz', server: 'ws://fuzz', algorithm: 'Ed25519' };
    case 'challengeAnswer':
      return { type, nonce: 'A'.repeat(43), signature: 'A'.repeat(86) };
    case 'error':
      return { type, code: 'protocol', message: 'fuzz', round };
    case 'bye':
      return { type, reason: 'fuzz' };
    case 'secureReady':
      return { type, round, numExamples: 1 + rng.int(ctx.numExamples), metrics: { loss: 0.5 }, durationSeconds: 0.01 };
    case 'secaggSetup':
      return { type, round, you: 0, clientIds: [0, 1, 2], vectorLength: 8, neighbours: 2, threshold: 2, graphSeed: rng.int(1000), clipRange: 8, fractionBits: 16 };
    case 'secaggKeys':
      return { type, round, from: rng.int(3), data: { encryptionKey: bytes(rng, [32]), maskKey: bytes(rng, [32]) } };
    case 'secaggKeyList':
      return { type, round, to: 0, ids: [1, 2], data: { encryptionKeys: bytes(rng, [2, 32]), maskKeys: bytes(rng, [2, 32]) } };
    case 'secaggShares':
      return { type, round, from: rng.int(3), peers: [1, 2], data: { commitment: bytes(rng, [32]), sealed: bytes(rng, [2, 101]) } };
    case 'secaggInbox':
      return { type, round, to: 0, peers: [1, 2], data: { sealed: bytes(rng, [2, 101]) } };
    case 'secaggMaskedInput':
      return { type, round, from: rng.int(3), data: { masked: { shape: [8], values: Uint32Array.from({ length: 8 }, () => rng.int(2 ** 31) * 2) } } };
    case 'secaggUnmaskRequest':
      return { type, round, to: 0, dropped: [], survivors: [1, 2] };
    case 'secaggUnmask':
      return { type, round, from: rng.int(3), shares: [{ owner: 1, secret: 'self-mask', x: 1 }], data: { shares: bytes(rng, [1, 32]) } };
  }
}

/** A uint8 tensor of `shape` with random bytes. */
function bytes(rng: Rng, shape: number[]): { shape: number[]; values: Uint8Array } {
  return { shape, values: Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(256)) };
}
