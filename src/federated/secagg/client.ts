/**
 * The client side of one SecAgg+ round, as a state machine over plain messages:
 *
 * 1. {@link SecAggClient.advertiseKeys}: two fresh X25519 key pairs, c (share encryption) and
 *    s (pairwise masks); send both public keys.
 * 2. {@link SecAggClient.shareSecrets}: given the neighbours' public keys, draw the self-mask seed
 *    b, Shamir-share b and the mask private key s_sk among those neighbours (threshold t), and
 *    seal each neighbour's two shares under a key agreed with its c_pk.
 * 3. {@link SecAggClient.maskInput}: given the bundles addressed to it and the quantized update x,
 *    send y = x + PRG(b) + Σ_j ±PRG(s_ij) over the neighbours j whose bundles arrived (+ when
 *    our id is lower, − when higher, so each pair's masks cancel in the sum).
 * 4. {@link SecAggClient.unmask}: given which neighbours dropped before sending input and which
 *    did not, reveal s_sk shares of the dropped and b shares of the survivors — never both for one
 *    neighbour, and only once per round.
 *
 * A call that refuses its input (ProtocolError / RoundRefusedError) leaves the client in the same
 * stage, so a runtime may drop the message and keep going.
 *
 * Share bundle plaintext (73 bytes): owner id (u32 BE) ‖ holder id (u32 BE) ‖ x (u8) ‖ share of b
 * (32) ‖ share of s_sk (32). Sealed with AES-256-GCM, associated data (round, from, to): 101 bytes.
 */
import { ProtocolError, RoundRefusedError } from '../../errors.js';
import { buildGraph, type SecAggGraph } from './graph.js';
import {
  deriveMaskSeed,
  deriveShareKey,
  exportPrivateKey,
  generateKeyPair,
  KEY_BYTES,
  openBundle,
  SEAL_OVERHEAD,
  sealBundle,
  sha256,
  sharedSecret,
  type SecAggCryptoKey,
  type SecAggKeyPair,
} from './keys.js';
import {
  checkBytes,
  checkEnvelope,
  checkIdList,
  describe,
  type KeyListMessage,
  type KeysMessage,
  type MaskedInputMessage,
  type NeighbourKeys,
  type RevealedShare,
  type SecAggSetup,
  type ShareInboxMessage,
  type SharesMessage,
  type UnmaskMessage,
  type UnmaskRequestMessage,
} from './messages.js';
import { expandMask, SEED_BYTES } from './prg.js';
import { quantize } from './ring.js';
import { secureRandomBytes, secureUniform, type RandomBytes, type UniformSource } from './random.js';
import { parseSecAggSetup } from './setup.js';
import { split } from './shamir.js';

/** Plaintext bytes of one share bundle. */
export const BUNDLE_PLAINTEXT_BYTES = 4 + 4 + 1 + SEED_BYTES + KEY_BYTES;
/** Sealed bytes of one share bundle (plaintext + nonce + tag). */
export const SEALED_BUNDLE_BYTES = BUNDLE_PLAINTEXT_BYTES + SEAL_OVERHEAD;

/** The x coordinate of `holder`'s share of `owner`'s secrets: its 1-based place among owner's neighbours. */
export function shareX(graph: SecAggGraph, owner: number, holder: number): number {
  const list = graph.get(owner);
  const at = list === undefined ? -1 : list.indexOf(holder);
  return at < 0 ? -1 : at + 1;
}

/** Options of {@link SecAggClient}. */
export interface SecAggClientOptions {
  /** Random bytes for b, Shamir coefficients and nonces; default WebCrypto. */
  randomBytes?: RandomBytes;
  /** Uniforms for stochastic rounding when `maskInput` is given floats; default WebCrypto. */
  random?: UniformSource;
}

/** Where a client is in its round. */
export type SecAggClientStage = 'keys' | 'shares' | 'input' | 'unmask' | 'done';

interface HeldShares {
  x: number;
  selfMask: Uint8Array;
  maskKey: Uint8Array;
}

/** One client's state machine for one SecAgg+ round; see the file comment for the stages. */
export class SecAggClient {
  /** This client's id in the round. */
  readonly id: number;
  /** The round's parameters. */
  readonly setup: SecAggSetup;
  private readonly graph: SecAggGraph;
  private readonly neighbourSet: ReadonlySet<number>;
  private readonly randomBytes: RandomBytes;
  private readonly random: UniformSource;
  private current: SecAggClientStage = 'keys';
  private cKeys?: SecAggKeyPair;
  private sKeys?: SecAggKeyPair;
  private selfSeed?: Uint8Array;
  private peers = new Map<number, NeighbourKeys>();
  private shareKeys = new Map<number, SecAggCryptoKey>();
  private held = new Map<number, HeldShares>();

  /** `setup` is the server's secagg/setup message; it is validated here (ProtocolError). */
  constructor(id: number, setup: SecAggSetup, options: SecAggClientOptions = {}) {
    this.setup = parseSecAggSetup(setup);
    if (!this.setup.clientIds.includes(id)) throw new ProtocolError(`client ${id} is not in round ${this.setup.round}`);
    this.id = id;
    this.graph = buildGraph(this.setup.clientIds, this.setup.neighbours, this.setup.graphSeed);
    this.neighbourSet = new Set(this.graph.get(id));
    this.randomBytes = options.randomBytes ?? secureRandomBytes;
    this.random = options.random ?? secureUniform();
  }

  /** The stage the next call must be. */
  get stage(): SecAggClientStage {
    return this.current;
  }

  /** This client's neighbours in the round's graph, sorted. */
  get neighbours(): readonly number[] {
    return this.graph.get(this.id) ?? [];
  }

  /** Stage 1: make the two key pairs and advertise their public keys. */
  async advertiseKeys(): Promise<KeysMessage> {
    this.expect('keys');
    const [c, s] = await Promise.all([generateKeyPair(), generateKeyPair()]);
    this.cKeys = c;
    this.sKeys = s;
    this.current = 'shares';
    return { type: 'secagg/keys', round: this.setup.round, from: this.id, encryptionKey: c.publicKey, maskKey: s.publicKey };
  }

  /** Stage 2: share b and s_sk among the neighbours in `list` and seal one bundle for each. */
  async shareSecrets(list: KeyListMessage): Promise<SharesMessage> {
    this.expect('shares');
    const m = checkEnvelope(list, 'secagg/key-list', this.setup.round);
    if (m.to !== this.id) throw new ProtocolError(`key list addressed to client ${String(m.to)} delivered to client ${this.id}`);
    if (!Array.isArray(m.keys)) throw new ProtocolError(`key list keys must be an array, got ${describe(m.keys)}`);
    const peers = new Map<number, NeighbourKeys>();
    const seenKeys = new Set<string>([hex(this.cKeys!.publicKey), hex(this.sKeys!.publicKey)]);
    for (const e of m.keys as unknown[]) {
      const entry = (e ?? {}) as Record<string, unknown>;
      const id = entry.id;
      if (typeof id !== 'number' || !this.neighbourSet.has(id)) throw new ProtocolError(`key list names client ${String(id)}, which is not a neighbour of client ${this.id}`);
      if (peers.has(id)) throw new ProtocolError(`key list names client ${id} twice`);
      const encryptionKey = checkBytes(entry.encryptionKey, KEY_BYTES, `encryption key of client ${id}`);
      const maskKey = checkBytes(entry.maskKey, KEY_BYTES, `mask key of client ${id}`);
      for (const k of [encryptionKey, maskKey]) {
        const h = hex(k);
        if (seenKeys.has(h)) throw new ProtocolError(`key list repeats a public key (client ${id}); every advertised key must be distinct`);
        seenKeys.add(h);
      }
      peers.set(id, { id, encryptionKey, maskKey });
    }
    const t = this.setup.threshold;
    if (peers.size < t) {
      throw new RoundRefusedError(`client ${this.id}: only ${peers.size} neighbours advertised keys, fewer than the threshold t = ${t}`, 'the round cannot protect this client; retry with more clients or a lower threshold');
    }
    const holders = [...peers.keys()].sort((a, b) => a - b);
    const xs = holders.map((j) => shareX(this.graph, this.id, j));
    const selfSeed = this.randomBytes(SEED_BYTES);
    const maskKeyScalar = await exportPrivateKey(this.sKeys!.privateKey);
    const selfShares = split(selfSeed, xs, t, this.randomBytes);
    const keyShares = split(maskKeyScalar, xs, t, this.randomBytes);
    const round = this.setup.round;
    const shareKeys = new Map<number, SecAggCryptoKey>();
    const bundles = await Promise.all(
      holders.map(async (j, p) => {
        const key = await deriveShareKey(await sharedSecret(this.cKeys!.privateKey, peers.get(j)!.encryptionKey), round, this.id, j);
        shareKeys.set(j, key);
        const pt = new Uint8Array(BUNDLE_PLAINTEXT_BYTES);
        const view = new DataView(pt.buffer);
        view.setUint32(0, this.id);
        view.setUint32(4, j);
        pt[8] = xs[p];
        pt.set(selfShares[p].y, 9);
        pt.set(keyShares[p].y, 9 + SEED_BYTES);
        return { peer: j, sealed: await sealBundle(key, pt, { round, from: this.id, to: j }, this.randomBytes) };
      }),
    );
    const selfMaskCommitment = await sha256(selfSeed);
    this.peers = peers;
    this.shareKeys = shareKeys;
    this.selfSeed = selfSeed;
    this.current = 'input';
    return { type: 'secagg/shares', round, from: this.id, selfMaskCommitment, bundles };
  }

  /**
   * Stage 3: open the bundles addressed to us and mask `update` — a quantized Uint32Array of
   * length d, or floats (quantized here with the round's clip range and bits).
   */
  async maskInput(inbox: ShareInboxMessage, update: Uint32Array | Float32Array | Float64Array): Promise<MaskedInputMessage> {
    this.expect('input');
    const d = this.setup.vectorLength;
    if (!(update instanceof Uint32Array || update instanceof Float32Array || update instanceof Float64Array)) {
      throw new ProtocolError(`the update must be a Uint32Array (quantized) or a Float32Array/Float64Array, got ${describe(update)}`);
    }
    if (update.length !== d) throw new ProtocolError(`the update has length ${update.length}, the round's vector length is ${d}`);
    const m = checkEnvelope(inbox, 'secagg/share-inbox', this.setup.round);
    if (m.to !== this.id) throw new ProtocolError(`share inbox addressed to client ${String(m.to)} delivered to client ${this.id}`);
    if (!Array.isArray(m.bundles)) throw new ProtocolError(`share inbox bundles must be an array, got ${describe(m.bundles)}`);
    const round = this.setup.round;
    const froms: number[] = [];
    for (const b of m.bundles as unknown[]) {
      const from = ((b ?? {}) as Record<string, unknown>).peer;
      if (typeof from !== 'number' || !this.peers.has(from)) throw new ProtocolError(`share inbox has a bundle from client ${String(from)}, which is not in client ${this.id}'s key list`);
      if (froms.includes(from)) throw new ProtocolError(`share inbox has two bundles from client ${from} (a replay?)`);
      froms.push(from);
    }
    if (froms.length < this.setup.threshold) {
      throw new RoundRefusedError(`client ${this.id}: only ${froms.length} neighbours shared secrets, fewer than the threshold t = ${this.setup.threshold}`);
    }
    const held = new Map<number, HeldShares>();
    await Promise.all(
      (m.bundles as { peer: number; sealed: unknown }[]).map(async ({ peer: from, sealed }) => {
        const bytes = checkBytes(sealed, SEALED_BUNDLE_BYTES, `sealed bundle from client ${from}`);
        const pt = await openBundle(this.shareKeys.get(from)!, bytes, { round, from, to: this.id });
        const view = new DataView(pt.buffer, pt.byteOffset, pt.byteLength);
        const x = pt[8];
        if (pt.length !== BUNDLE_PLAINTEXT_BYTES || view.getUint32(0) !== from || view.getUint32(4) !== this.id || x !== shareX(this.graph, from, this.id)) {
          throw new ProtocolError(`share bundle from client ${from} does not hold client ${this.id}'s shares (wrong owner, holder or x coordinate)`);
        }
        held.set(from, { x, selfMask: pt.slice(9, 9 + SEED_BYTES), maskKey: pt.slice(9 + SEED_BYTES) });
      }),
    );
    const x = update instanceof Uint32Array ? update : quantize(update, this.setup, this.random);
    const y = Uint32Array.from(x);
    const self = await expandMask(this.selfSeed!, d);
    for (let i = 0; i < d; i++) y[i] = y[i] + self[i];
    const sk = this.sKeys!.privateKey;
    const masks = await Promise.all(
      froms.map(async (j) => expandMask(await deriveMaskSeed(await sharedSecret(sk, this.peers.get(j)!.maskKey), round, this.id, j), d)),
    );
    froms.forEach((j, p) => {
      const mask = masks[p];
      if (this.id < j) for (let i = 0; i < d; i++) y[i] = y[i] + mask[i];
      else for (let i = 0; i < d; i++) y[i] = y[i] - mask[i];
    });
    this.held = held;
    this.current = 'unmask';
    return { type: 'secagg/masked-input', round, from: this.id, masked: y };
  }

  /**
   * Stage 4: reveal the mask-key shares of `dropped` neighbours and the self-mask shares of
   * `survivors`. Refuses a neighbour named in both lists, one whose shares we do not hold, fewer
   * than t survivors, and any second request (which could ask for the other secret).
   */
  unmask(request: UnmaskRequestMessage): UnmaskMessage {
    if (this.current === 'done') {
      throw new ProtocolError(`client ${this.id} already revealed its shares for round ${this.setup.round}; refusing a second unmask request`, 'a second request could ask for the other secret of a neighbour and unmask its input');
    }
    this.expect('unmask');
    const m = checkEnvelope(request, 'secagg/unmask-request', this.setup.round);
    if (m.to !== this.id) throw new ProtocolError(`unmask request addressed to client ${String(m.to)} delivered to client ${this.id}`);
    const dropped = checkIdList(m.dropped, 'unmask request dropped list');
    const survivors = checkIdList(m.survivors, 'unmask request survivors list');
    const droppedSet = new Set(dropped);
    for (const j of survivors) {
      if (droppedSet.has(j)) {
        throw new ProtocolError(
          `unmask request names client ${j} as both dropped and surviving; refusing to reveal both its self-mask and its mask-key shares`,
          'together they would let the server remove all of its masks and read its update',
        );
      }
    }
    for (const j of [...dropped, ...survivors]) {
      if (!this.held.has(j)) throw new ProtocolError(`unmask request names client ${j}, whose shares client ${this.id} does not hold`);
    }
    if (survivors.length < this.setup.threshold) {
      throw new RoundRefusedError(`client ${this.id}: only ${survivors.length} of its neighbours survived, fewer than the threshold t = ${this.setup.threshold}`);
    }
    const shares: RevealedShare[] = [];
    for (const j of dropped) shares.push({ owner: j, secret: 'mask-key', x: this.held.get(j)!.x, share: this.held.get(j)!.maskKey });
    for (const j of survivors) shares.push({ owner: j, secret: 'self-mask', x: this.held.get(j)!.x, share: this.held.get(j)!.selfMask });
    this.current = 'done';
    this.held = new Map();
    return { type: 'secagg/unmask', round: this.setup.round, from: this.id, shares };
  }

  private expect(stage: SecAggClientStage): void {
    if (this.current !== stage) throw new ProtocolError(`client ${this.id} is at stage '${this.current}', not '${stage}' (messages out of order or replayed)`);
  }
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
