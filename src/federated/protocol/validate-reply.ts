/**
 * Validation of decoded replies before aggregation: the right round, a plausible example count,
 * plausible metrics, the model's tensor names, order and shapes, the extras the strategy
 * expects, finite values. (Bounds relative to the round's other replies, such as update norms,
 * need the whole round and are applied by the coordinator: `server/update-bounds.ts`.)
 * Non-throwing (zod-style): a refused reply is data, so the server can log it, send an `error`
 * message to that client, count it as a failure of the round and carry on. Both runtimes use
 * it: the networked server on every decoded reply, the simulation on every worker's reply. Pure.
 */
import { decodeUpdate, isCodecName } from '../compression/registry.js';
import { ShapeMismatchError } from '../../errors.js';
import type { FitFailure, FitReply } from '../strategy.js';
import type { ErrorMessage, EvaluateReplyMessage, FitReplyMessage } from './messages.js';
import { layoutMismatch, shapeSize, unpackParams, type TensorSpec } from './tensors.js';

/** Why a reply was refused. Stable: they are sent to the client as `error.code`. */
export type ReplyRefusalCode =
  /** The reply answers an earlier round (it arrived too late). */
  | 'staleRound'
  /** The reply answers a round that has not started. */
  | 'wrongRound'
  /** The example count is not a positive integer, or above the allowed maximum. */
  | 'badNumExamples'
  /** Parameter names, order or count differ from the model's. */
  | 'wrongNames'
  /** A parameter's shape differs from the model's. */
  | 'wrongShape'
  /** An extra vector the strategy needs is missing. */
  | 'missingExtra'
  /** An extra vector the strategy does not use was sent. */
  | 'unexpectedExtra'
  /** An extra vector has the wrong length. */
  | 'wrongExtraLength'
  /** A value is NaN or infinite. */
  | 'nonFinite'
  /** A reported metric is impossible: a negative loss, an accuracy outside [0, 1]. */
  | 'badMetrics'
  /** A compressed update that does not decode (wrong codec, length or bytes), or one the round did not ask for. */
  | 'badCompression';

/** A refused reply: a stable code and a reason that names the tensor, index or field. */
export interface ReplyRefusal {
  ok: false;
  /** Stable code, for logs and for `error.code`. */
  code: ReplyRefusalCode;
  /** Human-readable reason; never contains secrets, safe to send to the client. */
  reason: string;
}

/** The result of validating a reply: the usable reply, or why it was refused. */
export type ReplyValidation<T> = { ok: true; reply: T } | ReplyRefusal;

/** What the server expects of a fit reply in the current round. */
export interface FitReplyExpectations {
  /** The sending client's authenticated id (copied into the FitReply). */
  clientId: string;
  /** The current round; a reply for another round is refused. */
  round: number;
  /** The model's parameter layout (names and shapes, in order), e.g. `paramLayout(model)`. */
  layout: readonly TensorSpec[];
  /** The round's global parameters (layout order). Delta replies are added to them. */
  global: Float32Array;
  /**
   * Largest plausible example count: the client's declared `capabilities.numExamples`, or a
   * configured cap, whichever is smaller.
   */
  maxNumExamples: number;
  /** Extra vectors the strategy needs back, name → length (e.g. `{ controlDelta: global.length }`). Default none. */
  extras?: Readonly<Record<string, number>>;
  /** The codec the round asked clients to compress with (`none`, the default: a compressed reply is refused). */
  compression?: string;
}

/** What the server expects of an evaluate reply. */
export interface EvaluateReplyExpectations {
  /** The round being evaluated; a reply for another round is refused. */
  round: number;
  /** Largest plausible example count. */
  maxNumExamples: number;
}

function refuse(code: ReplyRefusalCode, reason: string): ReplyRefusal {
  return { ok: false, code, reason };
}

function checkRound(got: number, expected: number): ReplyRefusal | undefined {
  if (got < expected) return refuse('staleRound', `the reply is for round ${got} but round ${expected} is under way; a late reply is not aggregated`);
  if (got > expected) return refuse('wrongRound', `the reply is for round ${got} but round ${expected} is under way`);
  return undefined;
}

function checkNumExamples(numExamples: number, max: number): ReplyRefusal | undefined {
  if (!Number.isSafeInteger(numExamples) || numExamples < 1) return refuse('badNumExamples', `numExamples must be a positive integer, got ${numExamples}`);
  if (numExamples > max) return refuse('badNumExamples', `numExamples ${numExamples} exceeds the plausible maximum of ${max} for this client`);
  return undefined;
}

/**
 * An impossible reported metric: `loss` below 0 (the losses of the tasks are cross-entropies) or
 * `accuracy` outside [0, 1]. Other metrics are the client's own and not checked. The decoder
 * has already refused non-finite numbers (JSON carries none) and, for evaluate replies, an
 * accuracy outside [0, 1]; the check is repeated so that it holds for any caller.
 */
function checkMetrics(metrics: Readonly<Record<string, number>>): ReplyRefusal | undefined {
  const { loss, accuracy } = metrics;
  if (loss !== undefined && !(Number.isFinite(loss) && loss >= 0)) return refuse('badMetrics', `metric 'loss' must be a finite number ≥ 0, got ${loss}`);
  if (accuracy !== undefined && !(accuracy >= 0 && accuracy <= 1)) return refuse('badMetrics', `metric 'accuracy' must be a share in [0, 1], got ${accuracy}`);
  return undefined;
}

/** Index of the first NaN or ±Infinity in `values`, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    // v - v is 0 for finite v and NaN for NaN and ±Infinity; faster than Number.isFinite per element.
    const v = values[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

function nonFinite(what: string, values: Float32Array, i: number): ReplyRefusal {
  return refuse('nonFinite', `${what} has a non-finite value (${values[i]}) at index ${i}`);
}

/**
 * Validates a decoded fit reply against the current round. On success returns the FitReply a
 * strategy aggregates: `params` are full parameters (a delta reply is added to `global`), in
 * layout order, possibly a view on the message's bytes (do not modify). Checks, in this order:
 * round, example count, metrics (loss ≥ 0, accuracy in [0, 1] when reported), parameter names/order/count, shapes, extras (present, none unexpected,
 * right lengths), finite values in params and extras (the first bad tensor and index is named).
 * Throws ShapeMismatchError only if the expectations themselves are inconsistent (`global`
 * length ≠ the layout's size), which is a server bug, not a bad reply.
 */
export function validateFitReply(msg: FitReplyMessage, expected: FitReplyExpectations): ReplyValidation<FitReply> {
  const total = expected.layout.reduce((s, e) => s + shapeSize(e.shape), 0);
  if (expected.global.length !== total) {
    throw new ShapeMismatchError(`validateFitReply: global has ${expected.global.length} values but the layout has ${total}`, 'pass the layout and global parameters of the same model');
  }
  const early = checkRound(msg.round, expected.round) ?? checkNumExamples(msg.numExamples, expected.maxNumExamples) ?? checkMetrics(msg.metrics);
  if (early !== undefined) return early;

  const compressed = decodeCompressed(msg, expected, total);
  if (compressed !== undefined && !(compressed instanceof Float32Array)) return compressed;
  const what = msg.delta ? 'update' : 'parameters';
  const mismatch = compressed !== undefined ? undefined : layoutMismatch(msg.params, expected.layout, what);
  if (mismatch !== undefined) return refuse(mismatch.kind === 'names' ? 'wrongNames' : 'wrongShape', mismatch.reason);

  const wanted = expected.extras ?? {};
  for (const [name, length] of Object.entries(wanted)) {
    const got = msg.extras[name];
    if (got === undefined) return refuse('missingExtra', `extra vector '${name}' (${length} values) is missing; this round's strategy needs it`);
    if (got.length !== length) return refuse('wrongExtraLength', `extra vector '${name}' has ${got.length} values but ${length} are expected`);
  }
  const unexpected = Object.keys(msg.extras).find((name) => !Object.hasOwn(wanted, name));
  if (unexpected !== undefined) return refuse('unexpectedExtra', `extra vector '${unexpected}' is not used by this round's strategy`);

  for (const t of msg.params) {
    const i = firstNonFinite(t.values);
    if (i >= 0) return nonFinite(`${what} '${t.name}'`, t.values, i);
  }
  for (const [name, values] of Object.entries(msg.extras)) {
    const i = firstNonFinite(values);
    if (i >= 0) return nonFinite(`extra vector '${name}'`, values, i);
  }

  let params = compressed ?? unpackParams(msg.params, expected.layout);
  if (msg.delta || compressed !== undefined) {
    const sum = new Float32Array(total);
    for (let i = 0; i < total; i++) sum[i] = expected.global[i] + params[i];
    const i = firstNonFinite(sum);
    if (i >= 0) return refuse('nonFinite', `global + update overflows float32 at index ${i}`);
    params = sum;
  }
  return {
    ok: true,
    reply: { clientId: expected.clientId, params, numExamples: msg.numExamples, metrics: { ...msg.metrics }, extras: { ...msg.extras } },
  };
}

/**
 * The update of a compressed reply (`data.update`), decoded, or a refusal; undefined for a plain
 * reply. A compressed reply carries no parameters, and only in a round that asked for its codec.
 */
function decodeCompressed(msg: FitReplyMessage, expected: FitReplyExpectations, total: number): Float32Array | ReplyRefusal | undefined {
  const data = msg.data ?? {};
  const names = Object.keys(data);
  if (names.length === 0) return undefined;
  const codec = expected.compression ?? 'none';
  if (codec === 'none') return refuse('badCompression', `the reply carries binary data (${names.join(', ')}) but this round is not compressed`);
  const update = data.update;
  if (update === undefined || names.length !== 1) return refuse('badCompression', `a compressed reply carries exactly the tensor 'update', got ${names.join(', ')}`);
  if (!(update.values instanceof Uint8Array)) return refuse('badCompression', 'the compressed update must be uint8 bytes');
  if (msg.params.length > 0) return refuse('badCompression', 'a compressed reply carries no parameters besides its update');
  if (!isCodecName(codec)) return refuse('badCompression', `this round's codec '${codec}' is unknown to this server`);
  try {
    return decodeUpdate(update.values, total, codec);
  } catch (err) {
    return refuse('badCompression', `the compressed update does not decode: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Validates a decoded evaluate reply: the round, a plausible example count (within the client's
 * declared size), and plausible metrics (loss finite and ≥ 0, accuracy a share in [0, 1]).
 */
export function validateEvaluateReply(msg: EvaluateReplyMessage, expected: EvaluateReplyExpectations): ReplyValidation<EvaluateReplyMessage> {
  const refusal = checkRound(msg.round, expected.round) ?? checkNumExamples(msg.numExamples, expected.maxNumExamples) ?? checkMetrics(msg.metrics);
  return refusal ?? { ok: true, reply: msg };
}

/** The round failure of a client whose fit reply was refused (the same reason in both runtimes). */
export function refusedFitFailure(clientId: string, refusal: ReplyRefusal): FitFailure {
  return { clientId, reason: `refused reply: ${refusal.reason}` };
}

/** The `error` message that tells a client its reply was refused and why. */
export function refusalMessage(refusal: ReplyRefusal, round: number): ErrorMessage {
  return { type: 'error', code: refusal.code, message: refusal.reason, round };
}
