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
  | ChallengeAnswerMessage;

/** The message of a given type. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** Message fields that travel as tensors rather than in the JSON header. */
export type TensorGroup = 'params' | 'extras';

/** Which tensor groups each message type carries. */
export const TENSOR_GROUPS: Readonly<Record<MessageType, readonly TensorGroup[]>> = {
  hello: [],
  welcome: [],
  refuse: [],
  fit: ['params', 'extras'],
  fitReply: ['params', 'extras'],
  evaluate: ['params'],
  evaluateReply: [],
  heartbeat: [],
  error: [],
  bye: [],
  challenge: [],
  challengeAnswer: [],
};

/** Wire-name prefix of each tensor group: `param/dense/kernel`, `extra/serverControl`. */
export const TENSOR_PREFIXES: Readonly<Record<TensorGroup, string>> = { params: 'param/', extras: 'extra/' };

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
  fit: z.strictObject({ round: z.int().positive(), config: roundConfig }),
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
