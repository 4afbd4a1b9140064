/**
 * SecAgg+ messages (`secagg/messages.ts`, plain objects with typed arrays) to and from their wire
 * form (`secagg*` frames: ids and counts in the JSON header, keys, sealed bundles, shares and the
 * masked vector as uint8 / uint32 tensors `data/<name>`). Decoding checks every tensor's presence,
 * dtype and shape against the header and throws ProtocolError naming what is wrong; the state
 * machines then check the content (round, sender, lengths, membership). Pure and browser-safe.
 */
import { ProtocolError } from '../../errors.js';
import { SEALED_BUNDLE_BYTES } from '../secagg/client.js';
import { KEY_BYTES } from '../secagg/keys.js';
import type {
  KeyListMessage,
  KeysMessage,
  MaskedInputMessage,
  SecAggSetup,
  ShareInboxMessage,
  SharesMessage,
  UnmaskMessage,
  UnmaskRequestMessage,
} from '../secagg/messages.js';
import { SEED_BYTES } from '../secagg/prg.js';
import type {
  BinaryTensors,
  MessageOf,
  SecAggInboxWire,
  SecAggKeyListWire,
  SecAggKeysWire,
  SecAggMaskedInputWire,
  SecAggSetupWire,
  SecAggSharesWire,
  SecAggUnmaskRequestWire,
  SecAggUnmaskWire,
} from './messages.js';

/** The wire types a client sends during a secure round, in stage order. */
export type SecAggClientWire = SecAggKeysWire | SecAggSharesWire | SecAggMaskedInputWire | SecAggUnmaskWire;
/** The wire types a server sends during a secure round, in stage order. */
export type SecAggServerWire = SecAggSetupWire | SecAggKeyListWire | SecAggInboxWire | SecAggUnmaskRequestWire;

/** Rows of `bytes` per `rowBytes`, as one [rows, rowBytes] uint8 tensor. */
function rows(list: readonly Uint8Array[], rowBytes: number): { shape: number[]; values: Uint8Array } {
  const out = new Uint8Array(list.length * rowBytes);
  list.forEach((r, i) => {
    if (r.length !== rowBytes) throw new ProtocolError(`cannot encode: a row of ${r.length} bytes where ${rowBytes} are expected`);
    out.set(r, i * rowBytes);
  });
  return { shape: [list.length, rowBytes], values: out };
}

/** Throws ProtocolError unless `data[name]` is a tensor of `dtype` with exactly `shape`; returns its values. */
function tensor<A extends Uint8Array | Uint32Array>(type: string, data: BinaryTensors | undefined, name: string, dtype: 'uint8' | 'uint32', shape: readonly number[]): A {
  const t = data?.[name];
  if (t === undefined) throw new ProtocolError(`${type}: tensor 'data/${name}' is missing`);
  const got = t.values instanceof Uint32Array ? 'uint32' : t.values instanceof Uint8Array ? 'uint8' : 'unknown';
  if (got !== dtype) throw new ProtocolError(`${type}: tensor 'data/${name}' has dtype '${got}', expected '${dtype}'`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ProtocolError(`${type}: tensor 'data/${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t.values as A;
}

/** Throws ProtocolError when `data` holds a tensor other than `names`. */
function only(type: string, data: BinaryTensors | undefined, names: readonly string[]): void {
  for (const name of Object.keys(data ?? {})) {
    if (!names.includes(name)) throw new ProtocolError(`${type}: unexpected tensor 'data/${name}'; it carries ${names.map((n) => `'data/${n}'`).join(', ')}`);
  }
}

/** Row `i` of a [m, w] uint8 tensor, copied. */
const row = (values: Uint8Array, i: number, w: number): Uint8Array => values.slice(i * w, (i + 1) * w);

// Server → client ---------------------------------------------------------------------------

/** The setup message for client `you`. */
export function setupToWire(setup: SecAggSetup, you: number): SecAggSetupWire {
  const { type: _type, ...rest } = setup;
  return { type: 'secaggSetup', ...rest, clientIds: [...setup.clientIds], you };
}

/** The SecAgg+ setup in a `secaggSetup` frame, and the receiver's id (the state machine validates it). */
export function setupFromWire(msg: SecAggSetupWire): { setup: SecAggSetup; you: number } {
  const { type: _type, you, ...rest } = msg;
  return { setup: { type: 'secagg/setup', ...rest, clientIds: [...msg.clientIds] }, you };
}

/** A key list as a frame. */
export function keyListToWire(m: KeyListMessage): SecAggKeyListWire {
  return {
    type: 'secaggKeyList',
    round: m.round,
    to: m.to,
    ids: m.keys.map((k) => k.id),
    data: { encryptionKeys: rows(m.keys.map((k) => k.encryptionKey), KEY_BYTES), maskKeys: rows(m.keys.map((k) => k.maskKey), KEY_BYTES) },
  };
}

/** A key list from its frame. */
export function keyListFromWire(msg: SecAggKeyListWire): KeyListMessage {
  const m = msg.ids.length;
  only(msg.type, msg.data, ['encryptionKeys', 'maskKeys']);
  const enc = tensor<Uint8Array>(msg.type, msg.data, 'encryptionKeys', 'uint8', [m, KEY_BYTES]);
  const mask = tensor<Uint8Array>(msg.type, msg.data, 'maskKeys', 'uint8', [m, KEY_BYTES]);
  return { type: 'secagg/key-list', round: msg.round, to: msg.to, keys: msg.ids.map((id, i) => ({ id, encryptionKey: row(enc, i, KEY_BYTES), maskKey: row(mask, i, KEY_BYTES) })) };
}

/** A share inbox as a frame. */
export function inboxToWire(m: ShareInboxMessage): SecAggInboxWire {
  return { type: 'secaggInbox', round: m.round, to: m.to, peers: m.bundles.map((b) => b.peer), data: { sealed: rows(m.bundles.map((b) => b.sealed), SEALED_BUNDLE_BYTES) } };
}

/** A share inbox from its frame. */
export function inboxFromWire(msg: SecAggInboxWire): ShareInboxMessage {
  only(msg.type, msg.data, ['sealed']);
  const sealed = tensor<Uint8Array>(msg.type, msg.data, 'sealed', 'uint8', [msg.peers.length, SEALED_BUNDLE_BYTES]);
  return { type: 'secagg/share-inbox', round: msg.round, to: msg.to, bundles: msg.peers.map((peer, i) => ({ peer, sealed: row(sealed, i, SEALED_BUNDLE_BYTES) })) };
}

/** An unmask request as a frame. */
export function unmaskRequestToWire(m: UnmaskRequestMessage): SecAggUnmaskRequestWire {
  return { type: 'secaggUnmaskRequest', round: m.round, to: m.to, dropped: [...m.dropped], survivors: [...m.survivors] };
}

/** An unmask request from its frame. */
export function unmaskRequestFromWire(msg: SecAggUnmaskRequestWire): UnmaskRequestMessage {
  return { type: 'secagg/unmask-request', round: msg.round, to: msg.to, dropped: [...msg.dropped], survivors: [...msg.survivors] };
}

// Client → server ---------------------------------------------------------------------------

/** A client's keys as a frame. */
export function keysToWire(m: KeysMessage): SecAggKeysWire {
  return { type: 'secaggKeys', round: m.round, from: m.from, data: { encryptionKey: { shape: [KEY_BYTES], values: m.encryptionKey }, maskKey: { shape: [KEY_BYTES], values: m.maskKey } } };
}

/** A client's shares as a frame. */
export function sharesToWire(m: SharesMessage): SecAggSharesWire {
  return {
    type: 'secaggShares',
    round: m.round,
    from: m.from,
    peers: m.bundles.map((b) => b.peer),
    data: { commitment: { shape: [32], values: m.selfMaskCommitment }, sealed: rows(m.bundles.map((b) => b.sealed), SEALED_BUNDLE_BYTES) },
  };
}

/** A masked input as a frame. */
export function maskedInputToWire(m: MaskedInputMessage): SecAggMaskedInputWire {
  return { type: 'secaggMaskedInput', round: m.round, from: m.from, data: { masked: { shape: [m.masked.length], values: m.masked } } };
}

/** Revealed shares as a frame. */
export function unmaskToWire(m: UnmaskMessage): SecAggUnmaskWire {
  return {
    type: 'secaggUnmask',
    round: m.round,
    from: m.from,
    shares: m.shares.map((s) => ({ owner: s.owner, secret: s.secret, x: s.x })),
    data: { shares: rows(m.shares.map((s) => s.share), SEED_BYTES) },
  };
}

/** The SecAgg+ message of a client's frame; ProtocolError when a tensor is missing, of another dtype or shape. `vectorLength` is d. */
export function clientMessageFromWire(msg: SecAggClientWire, vectorLength: number): KeysMessage | SharesMessage | MaskedInputMessage | UnmaskMessage {
  switch (msg.type) {
    case 'secaggKeys':
      only(msg.type, msg.data, ['encryptionKey', 'maskKey']);
      return {
        type: 'secagg/keys',
        round: msg.round,
        from: msg.from,
        encryptionKey: tensor<Uint8Array>(msg.type, msg.data, 'encryptionKey', 'uint8', [KEY_BYTES]).slice(),
        maskKey: tensor<Uint8Array>(msg.type, msg.data, 'maskKey', 'uint8', [KEY_BYTES]).slice(),
      };
    case 'secaggShares': {
      only(msg.type, msg.data, ['commitment', 'sealed']);
      const sealed = tensor<Uint8Array>(msg.type, msg.data, 'sealed', 'uint8', [msg.peers.length, SEALED_BUNDLE_BYTES]);
      return {
        type: 'secagg/shares',
        round: msg.round,
        from: msg.from,
        selfMaskCommitment: tensor<Uint8Array>(msg.type, msg.data, 'commitment', 'uint8', [32]).slice(),
        bundles: msg.peers.map((peer, i) => ({ peer, sealed: row(sealed, i, SEALED_BUNDLE_BYTES) })),
      };
    }
    case 'secaggMaskedInput':
      only(msg.type, msg.data, ['masked']);
      return { type: 'secagg/masked-input', round: msg.round, from: msg.from, masked: tensor<Uint32Array>(msg.type, msg.data, 'masked', 'uint32', [vectorLength]).slice() };
    case 'secaggUnmask': {
      only(msg.type, msg.data, ['shares']);
      const shares = tensor<Uint8Array>(msg.type, msg.data, 'shares', 'uint8', [msg.shares.length, SEED_BYTES]);
      return { type: 'secagg/unmask', round: msg.round, from: msg.from, shares: msg.shares.map((s, i) => ({ ...s, share: row(shares, i, SEED_BYTES) })) };
    }
  }
}

/** True for the message types a client sends in a secure round. */
export function isSecAggClientWire(msg: { type: string }): msg is SecAggClientWire {
  return msg.type === 'secaggKeys' || msg.type === 'secaggShares' || msg.type === 'secaggMaskedInput' || msg.type === 'secaggUnmask';
}

/** True for the message types a server sends in a secure round. */
export function isSecAggServerWire(msg: { type: string }): msg is SecAggServerWire {
  return msg.type === 'secaggSetup' || msg.type === 'secaggKeyList' || msg.type === 'secaggInbox' || msg.type === 'secaggUnmaskRequest';
}

/** The message type of each client stage's answer. */
export const SECAGG_ANSWER: Readonly<Record<'keys' | 'shares' | 'input' | 'unmask', MessageOf<SecAggClientWire['type']>['type']>> = {
  keys: 'secaggKeys',
  shares: 'secaggShares',
  input: 'secaggMaskedInput',
  unmask: 'secaggUnmask',
};
