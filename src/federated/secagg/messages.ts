/**
 * The messages of a SecAgg+ round: plain objects with typed-array payloads, so any transport can
 * carry them. `from` and `to` are client ids within the round (integers ≥ 0 assigned by the runtime);
 * every message names its round. Server-bound messages are validated by the server and
 * client-bound ones by the client, as if they came off the wire.
 */
import { ProtocolError } from '../../errors.js';

/** The round parameters, sent by the server to every client before stage 1 (see `setup.ts`). */
export interface SecAggSetup {
  /** Message type. */
  type: 'secagg/setup';
  /** Round index (an integer in [0, 2^32)); every message of the round carries it. */
  round: number;
  /** The ids of the clients selected for the round, sorted ascending (n = length). */
  clientIds: number[];
  /** d: the length of every update vector. */
  vectorLength: number;
  /** k: neighbours per client in the communication graph. */
  neighbours: number;
  /** t: shares needed to reconstruct a client's secrets (also the fewest surviving neighbours). */
  threshold: number;
  /** Public 32-bit seed of the communication graph. */
  graphSeed: number;
  /** Fixed-point clip range. */
  clipRange: number;
  /** Fixed-point fraction bits. */
  fractionBits: number;
}

/** Stage 1, client → server: two X25519 public keys (c for share encryption, s for masks). */
export interface KeysMessage {
  /** Message type. */
  type: 'secagg/keys';
  /** Round index. */
  round: number;
  /** Sender. */
  from: number;
  /** c_pk: raw 32-byte X25519 public key for share encryption. */
  encryptionKey: Uint8Array;
  /** s_pk: raw 32-byte X25519 public key for pairwise masks. */
  maskKey: Uint8Array;
}

/** One neighbour's advertised public keys. */
export interface NeighbourKeys {
  /** The neighbour's id. */
  id: number;
  /** Its c_pk. */
  encryptionKey: Uint8Array;
  /** Its s_pk. */
  maskKey: Uint8Array;
}

/** Stage 1 → 2, server → client: the keys of the client's neighbours that advertised. */
export interface KeyListMessage {
  /** Message type. */
  type: 'secagg/key-list';
  /** Round index. */
  round: number;
  /** Receiver. */
  to: number;
  /** One entry per neighbour that advertised keys. */
  keys: NeighbourKeys[];
}

/** One encrypted share bundle, addressed to one neighbour. */
export interface SealedBundle {
  /** Receiver (for a bundle the client sends) or sender (for one the server delivers). */
  peer: number;
  /** AES-GCM nonce ‖ ciphertext ‖ tag; see `client.ts` for the plaintext layout. */
  sealed: Uint8Array;
}

/** Stage 2, client → server: one sealed share bundle per neighbour, and a commitment to b. */
export interface SharesMessage {
  /** Message type. */
  type: 'secagg/shares';
  /** Round index. */
  round: number;
  /** Sender. */
  from: number;
  /** SHA-256 of the self-mask seed b, so the server can check its reconstruction. */
  selfMaskCommitment: Uint8Array;
  /** `peer` is the receiver; exactly one per neighbour in the key list. */
  bundles: SealedBundle[];
}

/** Stage 2 → 3, server → client: the sealed bundles addressed to this client. */
export interface ShareInboxMessage {
  /** Message type. */
  type: 'secagg/share-inbox';
  /** Round index. */
  round: number;
  /** Receiver. */
  to: number;
  /** `peer` is the sender. */
  bundles: SealedBundle[];
}

/** Stage 3, client → server: y = x + PRG(b) + Σ_j ±PRG(s_ij) in Z_{2^32}. */
export interface MaskedInputMessage {
  /** Message type. */
  type: 'secagg/masked-input';
  /** Round index. */
  round: number;
  /** Sender. */
  from: number;
  /** The masked vector, length d. */
  masked: Uint32Array;
}

/** Stage 3 → 4, server → client: which of its neighbours dropped before sending input, and which did not. */
export interface UnmaskRequestMessage {
  /** Message type. */
  type: 'secagg/unmask-request';
  /** Round index. */
  round: number;
  /** Receiver. */
  to: number;
  /** Neighbours that shared secrets but sent no masked input: reveal their mask-key shares. */
  dropped: number[];
  /** Neighbours whose masked input arrived: reveal their self-mask shares. */
  survivors: number[];
}

/** Which of a client's two secrets a share is of. */
export type SecretKind = 'self-mask' | 'mask-key';

/** One revealed share. */
export interface RevealedShare {
  /** The client whose secret this is a share of. */
  owner: number;
  /** `self-mask` (b, of a survivor) or `mask-key` (s_sk, of a dropped client). */
  secret: SecretKind;
  /** The share's x coordinate. */
  x: number;
  /** The share bytes (32). */
  share: Uint8Array;
}

/** Stage 4, client → server: the shares asked for. */
export interface UnmaskMessage {
  /** Message type. */
  type: 'secagg/unmask';
  /** Round index. */
  round: number;
  /** Sender. */
  from: number;
  /** One share per neighbour in the request. */
  shares: RevealedShare[];
}

/** Any SecAgg+ message. */
export type SecAggMessage = SecAggSetup | KeysMessage | KeyListMessage | SharesMessage | ShareInboxMessage | MaskedInputMessage | UnmaskRequestMessage | UnmaskMessage;

/**
 * Approximate wire size of a message in a binary encoding: typed-array payload bytes plus 4
 * bytes per number (ids, round, counts) and the length of each string (the type tag, kinds).
 */
export function messageBytes(msg: unknown): number {
  if (ArrayBuffer.isView(msg)) return msg.byteLength;
  if (typeof msg === 'number') return 4;
  if (typeof msg === 'string') return msg.length;
  if (Array.isArray(msg)) return msg.reduce((s: number, v: unknown) => s + messageBytes(v), 0);
  if (msg !== null && typeof msg === 'object') return Object.values(msg).reduce((s: number, v: unknown) => s + messageBytes(v), 0);
  return 0;
}

/** True for an integer in [0, 2^32). */
export function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32;
}

/**
 * Checks the envelope of a received message: an object of the expected `type` for `round`.
 * Throws ProtocolError naming what is wrong.
 */
export function checkEnvelope(msg: unknown, type: SecAggMessage['type'], round: number): Record<string, unknown> {
  if (msg === null || typeof msg !== 'object') throw new ProtocolError(`expected a ${type} message, got ${msg === null ? 'null' : typeof msg}`);
  const m = msg as Record<string, unknown>;
  if (m.type !== type) throw new ProtocolError(`expected a ${type} message, got type ${JSON.stringify(m.type)}`);
  if (m.round !== round) {
    throw new ProtocolError(`${type} message is for round ${String(m.round)}, but this is round ${round}`, 'a message from another round (late, or replayed) is refused');
  }
  return m;
}

/** Throws ProtocolError unless `v` is a Uint8Array of exactly `length` bytes. */
export function checkBytes(v: unknown, length: number, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ProtocolError(`${what} must be a Uint8Array, got ${describe(v)}`);
  if (v.length !== length) throw new ProtocolError(`${what} must be ${length} bytes, got ${v.length}`);
  return v;
}

/** Throws ProtocolError unless `v` is an array of distinct uint32 ids. */
export function checkIdList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new ProtocolError(`${what} must be an array of client ids, got ${describe(v)}`);
  const seen = new Set<number>();
  for (const id of v) {
    if (!isUint32(id)) throw new ProtocolError(`${what} contains ${describe(id)}, not a client id`);
    if (seen.has(id)) throw new ProtocolError(`${what} lists client ${id} twice`);
    seen.add(id);
  }
  return v as number[];
}

/** A short description of a value's type, for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v;
}
