/**
 * The protocol's message types: their stable type codes, their in-memory form (a discriminated
 * union on `type`) and the zod schema of each one's JSON header fields. Pure: no Node APIs.
 * `format.md` in this folder documents the same messages for implementers in other languages.
 */
import { z } from 'zod';
import { AuthRefusedError, DataMalformedError, ProtocolError, ShapeMismatchError, type JointlyError } from '../../errors.js';
import type { DataProfile } from '../../data/schema.js';
import { base64urlPattern, NONCE_BYTES, SIGNATURE_BYTES } from '../auth/challenge.js';
import { clientIdSchema } from '../auth/client-id.js';
import type { SecAggSetup } from '../secagg/messages.js';
import type { RoundConfig, Vectors } from '../strategy.js';
import type { NamedTensor } from './tensors.js';

/** The format version this build writes (byte 3 of every frame). */
export const FORMAT_VERSION = 1;

/** Format versions this build can read. */
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1];

/** Stable one-byte code of each message type. Codes are never reused or renumbered. */
export const MESSAGE_TYPE_CODES = {
  hello: 1,
  welcome: 2,
  refuse: 3,
  fit: 4,
  fitReply: 5,
  evaluate: 6,
  evaluateReply: 7,
  heartbeat: 8,
  error: 9,
  bye: 10,
  challenge: 11,
  challengeAnswer: 12,
  secureReady: 13,
  secaggSetup: 14,
  secaggKeys: 15,
  secaggKeyList: 16,
  secaggShares: 17,
  secaggInbox: 18,
  secaggMaskedInput: 19,
  secaggUnmaskRequest: 20,
  secaggUnmask: 21,
} as const;

/** The name of a message type. */
export type MessageType = keyof typeof MESSAGE_TYPE_CODES;

/** What a client declares about itself in `hello`. */
export interface ClientCapabilities {
  /** Tensor backend the client trains on, e.g. `cpu`, `wasm`, `webgl`. */
  backend: string;
  /** Training examples the client holds: the cap on the example count its replies may claim. */
  numExamples: number;
  /** Largest message the client accepts, in bytes (the server must not send it more). */
  maxMessageBytes: number;
  /** The client's jointly package version, for logs. */
  jointlyVersion: string;
  /**
   * What the client's data looks like (sample shape, feature names, the labels it uses), never
   * the data itself: the server refuses a client whose data does not fit the task before it
   * sends it any parameters. Optional for clients that do not declare it.
   */
  data?: DataProfile;
}

/** Client → server, first message on a connection: who the client is and what it can do. */
export interface HelloMessage {
  type: 'hello';
  /** The protocol version the client speaks (FORMAT_VERSION). */
  protocolVersion: number;
  /** The id the operator issued the token for. */
  clientId: string;
  /** The client's secret token. Never log it. Absent for a client that authenticates by key only. */
  token?: string;
  /** What the client declares about itself. */
  capabilities: ClientCapabilities;
}

/** Server → client, after a successful `hello`: the run and the task to train. */
export interface WelcomeMessage {
  type: 'welcome';
  /** Identifies the run (stable across server restarts with --resume). */
  runId: string;
  /** Model, optimizer and data expectations, as JSON. Opaque to the protocol. */
  task: unknown;
  /** The client sends a heartbeat at least this often, in seconds. */
  heartbeatSeconds: number;
  /** Largest message the server accepts, in bytes: a client's replies must stay below it. */
  maxMessageBytes: number;
}

/** Server → client, just before closing a connection it will not serve (e.g. a bad token). */
export interface RefuseMessage {
  type: 'refuse';
  /** Why, as a stable code: `auth`, `version`, `duplicate`, `protocol`, `shutdown`, ... */
  code: string;
  /** Human-readable explanation. */
  reason: string;
}

/** Server → client: train locally from these parameters. */
export interface FitMessage {
  type: 'fit';
  /** 1-based round number. */
  round: number;
  /** Local training settings (see ClientTrainConfig). */
  config: RoundConfig;
  /** The global parameters, in layout order. */
  params: NamedTensor[];
  /** Extra vectors for the client, e.g. `serverControl` for SCAFFOLD. */
  extras: Vectors;
  /**
   * Present when the round's updates are summed by secure aggregation: the client answers with
   * `secureReady` instead of its parameters, then takes part in the protocol's stages.
   */
  secure?: SecureFitHeader;
}

/** What a `fit` of a secure round tells the client. */
export interface SecureFitHeader {
  /** The protocol: `secagg+` (SecAgg+, `secagg/`). */
  protocol: 'secagg+';
  /** The reply extras summed with the update, name → length, in payload order (e.g. `{ dpBelowClip: 1 }`). */
  summedExtras: Record<string, number>;
}

/** Client → server: the result of local training for one round. */
export interface FitReplyMessage {
  type: 'fitReply';
  /** The round this reply answers. */
  round: number;
  /** Training examples used (the reply's weight). */
  numExamples: number;
  /** Training metrics (loss, accuracy, ...). */
  metrics: Record<string, number>;
  /** True if `params` holds the update (local − global) rather than the local parameters. */
  delta: boolean;
  /** Local parameters (or the update if `delta`), in layout order. */
  params: NamedTensor[];
  /** Extra vectors from the client, e.g. `controlDelta` for SCAFFOLD. */
  extras: Vectors;
  /**
   * A compressed reply (`strategy.compression`): tensor `update` (uint8), the encoded update
   * y − x (`compression/format.ts`), sent instead of `params`, which is then empty. Absent otherwise.
   */
  data?: BinaryTensors;
  /** Wall-clock seconds the client spent training. */
  durationSeconds: number;
}

/** Server → client: evaluate these parameters on local held-out data. */
export interface EvaluateMessage {
  type: 'evaluate';
  /** The round whose parameters these are (0 = the initial parameters). */
  round: number;
  /** Evaluation settings (batch size, ...). */
  config: RoundConfig;
  /** The parameters to evaluate, in layout order. */
  params: NamedTensor[];
}

/** Metrics of an evaluation: loss and accuracy, and any others the client computes. */
export interface EvaluateMetrics {
  /** Mean loss over the evaluated examples. */
  loss: number;
  /** Fraction of evaluated examples classified correctly, in [0, 1]. */
  accuracy: number;
  [name: string]: number;
}

/** Client → server: the result of an evaluation. */
export interface EvaluateReplyMessage {
  type: 'evaluateReply';
  /** The round this reply answers. */
  round: number;
  /** Examples evaluated. */
  numExamples: number;
  /** Evaluation metrics. */
  metrics: EvaluateMetrics;
}

/** Either way: the sender is alive. */
export interface HeartbeatMessage {
  type: 'heartbeat';
  /** Sequence number, from 0, incremented per heartbeat on a connection. */
  seq: number;
  /** Sender's clock when sent, in milliseconds since the Unix epoch. */
  sentAt: number;
}

/** Either way: something the peer sent was refused (e.g. an invalid reply); the connection stays open. */
export interface ErrorMessage {
  type: 'error';
  /** A stable code, e.g. a ReplyRefusalCode (`nonFinite`, `staleRound`, ...) or `protocol`. */
  code: string;
  /** Human-readable explanation. */
  message: string;
  /** The round concerned, if any. */
  round?: number;
}

/** Either way: the sender is closing the connection on purpose. */
export interface ByeMessage {
  type: 'bye';
  /** Why, e.g. `run finished`, `shutting down`. */
  reason: string;
}

/**
 * Server → client, after a `hello` that needs a key signature: sign this. The nonce is fresh
 * per connection and single use; an answer is accepted only on this connection, before the
 * handshake deadline.
 */
export interface ChallengeMessage {
  type: 'challenge';
  /** 32 random bytes, base64url (43 characters). */
  nonce: string;
  /** The run the server serves (signed, so an answer cannot serve another run). */
  runId: string;
  /** The server's name or address, as the server states it (signed). */
  server: string;
  /** The signature scheme: `Ed25519` over the bytes `challengeBytes` defines (auth/challenge.ts). */
  algorithm: 'Ed25519';
}

/** Client → server: the answer to a `challenge`. */
export interface ChallengeAnswerMessage {
  type: 'challengeAnswer';
  /** The nonce of the challenge answered (must be this connection's). */
  nonce: string;
  /** Ed25519 signature over the challenge bytes, base64url (86 characters). */
  signature: string;
}

/** Binary tensors of a secure aggregation message, by name (`data/<name>` on the wire): uint8 bytes or uint32 ring vectors. */
export type BinaryTensors = Record<string, { shape: number[]; values: Uint8Array | Uint32Array }>;

/** Client → server, in a secure round: trained, ready for secure aggregation (its parameters are not sent). */
export interface SecureReadyMessage {
  type: 'secureReady';
  /** The round this answers. */
  round: number;
  /** Training examples used (reported in the clear, as in a plain reply; not a weight: the secure sum is unweighted). */
  numExamples: number;
  /** Training metrics. */
  metrics: Record<string, number>;
  /** Wall-clock seconds the client spent training. */
  durationSeconds: number;
}

/** Server → client: the SecAgg+ round parameters (`secagg/setup.ts`, the same fields) and the client's id in the round. */
export interface SecAggSetupWire extends Omit<SecAggSetup, 'type'> {
  type: 'secaggSetup';
  /** This client's id in the round (its index among the round's clients). */
  you: number;
}

/** Client → server, stage 1: tensors `encryptionKey` and `maskKey` (uint8 [32]). */
export interface SecAggKeysWire {
  type: 'secaggKeys';
  /** The round. */
  round: number;
  /** The sender's id in the round. */
  from: number;
  /** `encryptionKey`, `maskKey`. */
  data: BinaryTensors;
}

/** Server → client: the neighbours' keys, row i of tensors `encryptionKeys` / `maskKeys` (uint8 [m, 32]) belonging to `ids[i]`. */
export interface SecAggKeyListWire {
  type: 'secaggKeyList';
  /** The round. */
  round: number;
  /** The receiver's id. */
  to: number;
  /** The neighbours that advertised keys. */
  ids: number[];
  /** `encryptionKeys`, `maskKeys`. */
  data: BinaryTensors;
}

/** Client → server, stage 2: tensors `commitment` (uint8 [32]) and `sealed` (uint8 [m, 101], row i for `peers[i]`). */
export interface SecAggSharesWire {
  type: 'secaggShares';
  /** The round. */
  round: number;
  /** The sender's id. */
  from: number;
  /** The receiver of each sealed bundle. */
  peers: number[];
  /** `commitment`, `sealed`. */
  data: BinaryTensors;
}

/** Server → client: tensor `sealed` (uint8 [m, 101]), row i sealed by `peers[i]`. */
export interface SecAggInboxWire {
  type: 'secaggInbox';
  /** The round. */
  round: number;
  /** The receiver's id. */
  to: number;
  /** The sender of each bundle. */
  peers: number[];
  /** `sealed`. */
  data: BinaryTensors;
}

/** Client → server, stage 3: tensor `masked` (uint32 [d]). */
export interface SecAggMaskedInputWire {
  type: 'secaggMaskedInput';
  /** The round. */
  round: number;
  /** The sender's id. */
  from: number;
  /** `masked`. */
  data: BinaryTensors;
}

/** Server → client: the receiver's neighbours that dropped before masking, and those that did not. */
export interface SecAggUnmaskRequestWire {
  type: 'secaggUnmaskRequest';
  /** The round. */
  round: number;
  /** The receiver's id. */
  to: number;
  /** Reveal their mask-key shares. */
  dropped: number[];
  /** Reveal their self-mask shares. */
  survivors: number[];
}

/** Client → server, stage 4: tensor `shares` (uint8 [m, 32]), row i the share described by `shares[i]`. */
export interface SecAggUnmaskWire {
  type: 'secaggUnmask';
  /** The round. */
  round: number;
  /** The sender's id. */
  from: number;
  /** Whose secret, which one, its x coordinate. */
  shares: { owner: number; secret: 'self-mask' | 'mask-key'; x: number }[];
  /** `shares`. */
  data: BinaryTensors;
}

/** Any protocol message. Narrow on `type`. */
export type Message =
  | HelloMessage
  | WelcomeMessage
  | RefuseMessage
  | FitMessage
  | FitReplyMessage
  | EvaluateMessage
  | EvaluateReplyMessage
  | HeartbeatMessage
  | ErrorMessage
  | ByeMessage
  | ChallengeMessage
  | ChallengeAnswerMessage
  | SecureReadyMessage
  | SecAggSetupWire
  | SecAggKeysWire
  | SecAggKeyListWire
  | SecAggSharesWire
  | SecAggInboxWire
  | SecAggMaskedInputWire
  | SecAggUnmaskRequestWire
  | SecAggUnmaskWire;

/** The message of a given type. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** Message fields that travel as tensors rather than in the JSON header. */
export type TensorGroup = 'params' | 'extras' | 'data';

/** Which tensor groups each message type carries. */
export const TENSOR_GROUPS: Readonly<Record<MessageType, readonly TensorGroup[]>> = {
  hello: [],
  welcome: [],
  refuse: [],
  fit: ['params', 'extras'],
  fitReply: ['params', 'extras', 'data'],
  evaluate: ['params'],
  evaluateReply: [],
  heartbeat: [],
  error: [],
  bye: [],
  challenge: [],
  challengeAnswer: [],
  secureReady: [],
  secaggSetup: [],
  secaggKeys: ['data'],
  secaggKeyList: ['data'],
  secaggShares: ['data'],
  secaggInbox: ['data'],
  secaggMaskedInput: ['data'],
  secaggUnmaskRequest: [],
  secaggUnmask: ['data'],
};

/** Wire-name prefix of each tensor group: `param/dense/kernel`, `extra/serverControl`, `data/masked`. */
export const TENSOR_PREFIXES: Readonly<Record<TensorGroup, string>> = { params: 'param/', extras: 'extra/', data: 'data/' };


/** An extra vector's name: a letter, then up to 127 of `A-Z a-z 0-9 _ . -` (e.g. `serverControl`). */
export const EXTRA_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

/** The JSON header fields of a message: everything but its type and its tensors. */
export type HeaderFields<M extends Message> = Omit<M, 'type' | TensorGroup>;

const shortText = z.string().min(1).max(256);
const longText = z.string().max(4096);
const code = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a code is 1 to 64 characters from A-Z a-z 0-9 _ . -');
const count = z.int().nonnegative();
const round = z.int().nonnegative();
const metricName = z.string().min(1).max(128);
const metrics = z.record(metricName, z.number()).refine((m) => Object.keys(m).length <= 256, 'at most 256 metrics');
const roundConfig = z
  .record(z.string().min(1).max(128), z.union([z.number(), z.string().max(4096), z.boolean()]))
  .refine((c) => Object.keys(c).length <= 256, 'at most 256 config keys');
/** Present (not undefined); being JSON is guaranteed by the header's encoding. */
const jsonValue = z.custom<unknown>((v) => v !== undefined, 'required (any JSON value)');

const u32 = z.int().nonnegative().max(2 ** 32 - 1);
/** At most 65,536 ids in one secure round's lists (far above the 255 neighbours a client may have). */
const idList = z.array(u32).max(65_536);
const extraName = z.string().regex(EXTRA_NAME_PATTERN, 'an extra name is a letter, then up to 127 of A-Z a-z 0-9 _ . -');

/** Zod schema of each message type's header fields (strict: unknown fields are refused). */
export const HEADER_SCHEMAS: { readonly [T in MessageType]: z.ZodType<HeaderFields<MessageOf<T>>> } = {
  hello: z.strictObject({
    protocolVersion: z.int().positive(),
    clientId: clientIdSchema,
    token: z.string().min(1).max(512).optional(),
    capabilities: z.strictObject({
      backend: shortText,
      numExamples: count,
      maxMessageBytes: z.int().positive(),
      jointlyVersion: shortText,
      data: z
        .strictObject({
          inputShape: z.array(z.int().positive()).min(1).max(8),
          featureNames: z.array(shortText).max(100_000).optional(),
          classNames: z.array(shortText).max(100_000).optional(),
          maxLabel: z.int().min(-1).optional(),
        })
        .optional(),
    }),
  }),
  welcome: z.strictObject({
    runId: shortText,
    task: jsonValue,
    heartbeatSeconds: z.number().positive(),
    maxMessageBytes: z.int().positive(),
  }),
  refuse: z.strictObject({ code, reason: longText }),
  fit: z.strictObject({
    round: z.int().positive(),
    config: roundConfig,
    secure: z
      .strictObject({
        protocol: z.literal('secagg+'),
        summedExtras: z.record(extraName, z.int().nonnegative().max(1 << 30)).refine((m) => Object.keys(m).length <= 256, 'at most 256 summed extras'),
      })
      .optional(),
  }),
  fitReply: z.strictObject({
    round: z.int().positive(),
    numExamples: count,
    metrics,
    delta: z.boolean(),
    durationSeconds: z.number().nonnegative(),
  }),
  evaluate: z.strictObject({ round, config: roundConfig }),
  evaluateReply: z.strictObject({
    round,
    numExamples: count,
    metrics: z.object({ loss: z.number(), accuracy: z.number().min(0).max(1) }).catchall(z.number()),
  }),
  heartbeat: z.strictObject({ seq: count, sentAt: z.number().nonnegative() }),
  error: z.strictObject({ code, message: longText, round: round.optional() }),
  bye: z.strictObject({ reason: longText }),
  challenge: z.strictObject({ nonce: z.string().regex(base64urlPattern(NONCE_BYTES), 'a nonce is 32 bytes, base64url (43 characters)'), runId: shortText, server: shortText, algorithm: z.literal('Ed25519') }),
  challengeAnswer: z.strictObject({
    nonce: z.string().regex(base64urlPattern(NONCE_BYTES), 'a nonce is 32 bytes, base64url (43 characters)'),
    signature: z.string().regex(base64urlPattern(SIGNATURE_BYTES), 'a signature is 64 bytes, base64url (86 characters)'),
  }),
  secureReady: z.strictObject({ round: z.int().positive(), numExamples: count, metrics, durationSeconds: z.number().nonnegative() }),
  secaggSetup: z.strictObject({
    round: z.int().positive(),
    you: u32,
    clientIds: idList,
    vectorLength: z.int().positive(),
    neighbours: z.int().positive(),
    threshold: z.int().positive(),
    graphSeed: u32,
    clipRange: z.number().positive(),
    fractionBits: z.int().positive(),
  }),
  secaggKeys: z.strictObject({ round: z.int().positive(), from: u32 }),
  secaggKeyList: z.strictObject({ round: z.int().positive(), to: u32, ids: idList }),
  secaggShares: z.strictObject({ round: z.int().positive(), from: u32, peers: idList }),
  secaggInbox: z.strictObject({ round: z.int().positive(), to: u32, peers: idList }),
  secaggMaskedInput: z.strictObject({ round: z.int().positive(), from: u32 }),
  secaggUnmaskRequest: z.strictObject({ round: z.int().positive(), to: u32, dropped: idList, survivors: idList }),
  secaggUnmask: z.strictObject({
    round: z.int().positive(),
    from: u32,
    shares: z.array(z.strictObject({ owner: u32, secret: z.enum(['self-mask', 'mask-key']), x: z.int().min(1).max(255) })).max(65_536),
  }),
};

/** Refusal codes of a client whose data does not fit the task: its features, or its labels. */
export const REFUSE_SHAPE = 'shapeMismatch';
export const REFUSE_DATA = 'dataMismatch';

/** The refusal of a client whose declared data does not fit (a ShapeMismatchError or DataMalformedError from `checkProfile`). */
export function refusalForData(err: JointlyError): { code: string; reason: string } {
  return { code: err.code === 'SHAPE_MISMATCH' ? REFUSE_SHAPE : REFUSE_DATA, reason: err.hint === undefined ? err.message : `${err.message}\n${err.hint}` };
}

/**
 * The error a client should throw when the server refuses it: AuthRefusedError for code `auth`
 * (unknown, revoked or wrong token), ProtocolError otherwise.
 */
export function errorForRefusal(msg: RefuseMessage): JointlyError {
  if (msg.code === 'auth') return new AuthRefusedError(`the server refused this client: ${msg.reason}`, 'check the client id, and the token or key the operator registered');
  // Data refusals carry the fix on a second line (see `refusalForData`).
  const [reason, hint] = msg.reason.split('\n', 2);
  if (msg.code === REFUSE_SHAPE) return new ShapeMismatchError(`the server refused this client: ${reason}`, hint);
  if (msg.code === REFUSE_DATA) return new DataMalformedError(`the server refused this client: ${reason}`, hint);
  return new ProtocolError(`the server refused this client (${msg.code}): ${msg.reason}`);
}
