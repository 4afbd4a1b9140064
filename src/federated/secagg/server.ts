/**
 * The server side of one SecAgg+ round, as a state machine over plain messages. Each stage is a
 * sequence of `receive…` calls (one per client message; a bad message throws ProtocolError and
 * changes nothing, so the runtime can drop it and go on) closed by one call that produces the
 * messages for the next stage (it throws RoundRefusedError when the round can no longer complete):
 *
 * 1. `receiveKeys` … `keyLists()`: U1 = clients that advertised keys; each gets its neighbours' keys.
 * 2. `receiveShares` … `shareInboxes()`: U2 = clients that sent one sealed bundle per neighbour in
 *    U1; each gets the bundles addressed to it.
 * 3. `receiveMaskedInput` … `unmaskRequests()`: U3 = clients whose masked input arrived; each gets
 *    the lists of its neighbours in U2 \ U3 (dropped) and in U3 (survivors).
 * 4. `receiveUnmask` … `finish()`: reconstruct b_i for every i in U3 and s_sk_j for every j in
 *    U2 \ U3, remove PRG(b_i) and the pairwise masks between U3 and U2 \ U3, decode Σ_{i∈U3} x_i.
 *
 * The output is the sum over U3: a client that dropped after sending its masked input (so it
 * never answered the unmask request) is still in the sum, as in Bonawitz et al.
 */
import { ProtocolError, RoundRefusedError } from '../../errors.js';
import { SEALED_BUNDLE_BYTES, shareX } from './client.js';
import { buildGraph, type SecAggGraph } from './graph.js';
import { deriveMaskSeed, importPrivateKey, KEY_BYTES, sha256, sharedSecret } from './keys.js';
import {
  checkBytes,
  checkEnvelope,
  describe,
  isUint32,
  type KeyListMessage,
  type KeysMessage,
  type MaskedInputMessage,
  type SecAggSetup,
  type SecretKind,
  type ShareInboxMessage,
  type SharesMessage,
  type UnmaskMessage,
  type UnmaskRequestMessage,
} from './messages.js';
import { expandMask, SEED_BYTES } from './prg.js';
import { addInPlace, decodeSum, subtractInPlace } from './ring.js';
import { validateSetup } from './setup.js';
import { combine, type Share } from './shamir.js';

/** What a round produced. */
export interface SecAggResult {
  /** Σ_{i ∈ included} quantized x_i, decoded to floats. */
  sum: Float64Array;
  /** The same sum in Z_{2^32}, before decoding. */
  ringSum: Uint32Array;
  /** U3: the clients whose updates are in the sum, sorted. */
  included: number[];
  /** Clients of the round whose updates are not in the sum (dropped before sending masked input), sorted. */
  excluded: number[];
}

/**
 * Something the server computed, reported to {@link SecAggServerOptions.trace}: every vector it
 * holds (masked inputs, masks, partial sums) and every secret it reconstructs. For audits and tests.
 */
export type SecAggTraceEvent = SecAggVectorEvent | SecAggSecretEvent;

/** A vector the server holds or computed. */
export interface SecAggVectorEvent {
  /** Event kind. */
  kind: 'vector';
  /** What the vector is. */
  label: 'masked-input' | 'self-mask' | 'pairwise-mask' | 'partial-sum' | 'sum';
  /** The client it belongs to (for a partial sum or the sum, undefined). */
  client: number | undefined;
  /** A copy of the vector. */
  vector: Uint32Array;
}

/** A secret the server reconstructed. */
export interface SecAggSecretEvent {
  /** Event kind. */
  kind: 'secret';
  /** Which of the owner's secrets. */
  secret: SecretKind;
  /** Whose secret. */
  owner: number;
  /** A copy of it. */
  value: Uint8Array;
}

/** Options of {@link SecAggServer}. */
export interface SecAggServerOptions {
  /** Called with copies of what the server computes (see {@link SecAggTraceEvent}). */
  trace?: (event: SecAggTraceEvent) => void;
}

/** Where a server is in its round. */
export type SecAggServerStage = 'keys' | 'shares' | 'input' | 'unmask' | 'done' | 'refused';

/** The server's state machine for one SecAgg+ round; see the file comment for the stages. */
export class SecAggServer {
  /** The round's parameters (send them to every client first). */
  readonly setup: SecAggSetup;
  /** The round's communication graph. */
  readonly graph: SecAggGraph;
  private readonly trace: ((event: SecAggTraceEvent) => void) | undefined;
  private readonly members: ReadonlySet<number>;
  private current: SecAggServerStage = 'keys';
  private readonly keys = new Map<number, { encryptionKey: Uint8Array; maskKey: Uint8Array }>();
  private readonly shares = new Map<number, SharesMessage>();
  private readonly masked = new Map<number, Uint32Array>();
  private readonly revealed = new Map<number, UnmaskMessage>();
  private u1: number[] = [];
  private u2: number[] = [];
  private u3: number[] = [];
  private u3Set: ReadonlySet<number> = new Set();
  private u2Set: ReadonlySet<number> = new Set();

  /** `setup` comes from `createSecAggSetup`; it is validated again here (ConfigError). */
  constructor(setup: SecAggSetup, options: SecAggServerOptions = {}) {
    validateSetup(setup);
    this.setup = { ...setup, clientIds: [...setup.clientIds] };
    this.graph = buildGraph(setup.clientIds, setup.neighbours, setup.graphSeed);
    this.members = new Set(setup.clientIds);
    this.trace = options.trace;
  }

  /** The stage the next call belongs to. */
  get stage(): SecAggServerStage {
    return this.current;
  }

  /** The message to send every client before stage 1. */
  setupMessage(): SecAggSetup {
    return { ...this.setup, clientIds: [...this.setup.clientIds] };
  }

  /** Stage 1: a client's public keys. */
  receiveKeys(msg: KeysMessage): void {
    const from = this.envelope(msg, 'secagg/keys', 'keys', this.keys);
    const m = msg as unknown as Record<string, unknown>;
    const encryptionKey = checkBytes(m.encryptionKey, KEY_BYTES, `encryption key of client ${from}`);
    const maskKey = checkBytes(m.maskKey, KEY_BYTES, `mask key of client ${from}`);
    this.keys.set(from, { encryptionKey: encryptionKey.slice(), maskKey: maskKey.slice() });
  }

  /** Closes stage 1: one key list per client in U1. Refuses the round if a client has fewer than t neighbours in U1. */
  keyLists(): KeyListMessage[] {
    this.expect('keys');
    this.u1 = [...this.keys.keys()].sort((a, b) => a - b);
    const inU1 = new Set(this.u1);
    const out = this.u1.map((i): KeyListMessage => {
      const ns = this.neighboursOf(i).filter((j) => inU1.has(j));
      this.requireAtLeastT(ns.length, `client ${i} has ${ns.length} neighbours that advertised keys`);
      return { type: 'secagg/key-list', round: this.setup.round, to: i, keys: ns.map((j) => ({ id: j, ...this.keys.get(j)! })) };
    });
    this.current = 'shares';
    return out;
  }

  /** Stage 2: a client's sealed bundles (exactly one per neighbour in U1) and its commitment to b. */
  receiveShares(msg: SharesMessage): void {
    const from = this.envelope(msg, 'secagg/shares', 'shares', this.shares);
    if (!this.u1.includes(from)) throw new ProtocolError(`client ${from} sent shares but did not advertise keys in this round`);
    const m = msg as unknown as Record<string, unknown>;
    checkBytes(m.selfMaskCommitment, 32, `self-mask commitment of client ${from}`);
    if (!Array.isArray(m.bundles)) throw new ProtocolError(`shares of client ${from}: bundles must be an array, got ${describe(m.bundles)}`);
    const inU1 = new Set(this.u1);
    const expected = new Set(this.neighboursOf(from).filter((j) => inU1.has(j)));
    const seen = new Set<number>();
    for (const b of m.bundles as unknown[]) {
      const peer = ((b ?? {}) as Record<string, unknown>).peer;
      if (typeof peer !== 'number' || !expected.has(peer)) throw new ProtocolError(`shares of client ${from}: a bundle is addressed to ${String(peer)}, which is not one of its neighbours in the round`);
      if (seen.has(peer)) throw new ProtocolError(`shares of client ${from}: two bundles for client ${peer}`);
      seen.add(peer);
      checkBytes((b as Record<string, unknown>).sealed, SEALED_BUNDLE_BYTES, `sealed bundle from client ${from} to client ${peer}`);
    }
    if (seen.size !== expected.size) throw new ProtocolError(`shares of client ${from}: ${seen.size} bundles, expected one for each of its ${expected.size} neighbours with keys`);
    const copy = msg as SharesMessage;
    this.shares.set(from, {
      ...copy,
      selfMaskCommitment: copy.selfMaskCommitment.slice(),
      bundles: copy.bundles.map((b) => ({ peer: b.peer, sealed: b.sealed.slice() })),
    });
  }

  /** Closes stage 2: one inbox per client in U2. Refuses the round if a client has fewer than t neighbours in U2. */
  shareInboxes(): ShareInboxMessage[] {
    this.expect('shares');
    this.u2 = [...this.shares.keys()].sort((a, b) => a - b);
    this.u2Set = new Set(this.u2);
    const inboxes = new Map<number, ShareInboxMessage>(this.u2.map((i) => [i, { type: 'secagg/share-inbox', round: this.setup.round, to: i, bundles: [] }]));
    for (const j of this.u2) {
      for (const b of this.shares.get(j)!.bundles) inboxes.get(b.peer)?.bundles.push({ peer: j, sealed: b.sealed });
    }
    for (const i of this.u2) this.requireAtLeastT(inboxes.get(i)!.bundles.length, `client ${i} has ${inboxes.get(i)!.bundles.length} neighbours that shared secrets`);
    this.current = 'input';
    return [...inboxes.values()];
  }

  /** Stage 3: a client's masked input (a Uint32Array of length d). */
  receiveMaskedInput(msg: MaskedInputMessage): void {
    const from = this.envelope(msg, 'secagg/masked-input', 'input', this.masked);
    if (!this.u2Set.has(from)) throw new ProtocolError(`client ${from} sent a masked input but did not share its secrets in this round`);
    const y = (msg as unknown as Record<string, unknown>).masked;
    if (!(y instanceof Uint32Array)) throw new ProtocolError(`masked input of client ${from} must be a Uint32Array, got ${describe(y)}`);
    if (y.length !== this.setup.vectorLength) throw new ProtocolError(`masked input of client ${from} has length ${y.length}, the round's vector length is ${this.setup.vectorLength}`);
    const copy = y.slice();
    this.masked.set(from, copy);
    this.emitVector('masked-input', from, copy);
  }

  /**
   * Closes stage 3: one unmask request per client in U3. Refuses the round when U3 is empty or
   * some client whose secret must be reconstructed has fewer than t neighbours left in U3.
   */
  unmaskRequests(): UnmaskRequestMessage[] {
    this.expect('input');
    this.u3 = [...this.masked.keys()].sort((a, b) => a - b);
    this.u3Set = new Set(this.u3);
    if (this.u3.length === 0) this.refuse('no client sent its masked input');
    for (const i of this.u2) {
      const left = this.neighboursOf(i).filter((j) => this.u3Set.has(j)).length;
      const what = this.u3Set.has(i) ? 'self-mask seed' : 'mask key (it dropped before sending its input)';
      this.requireAtLeastT(left, `client ${i} has ${left} neighbours left to reveal its ${what}`);
    }
    const out = this.u3.map((i): UnmaskRequestMessage => {
      const ns = this.neighboursOf(i).filter((j) => this.u2Set.has(j));
      return {
        type: 'secagg/unmask-request',
        round: this.setup.round,
        to: i,
        dropped: ns.filter((j) => !this.u3Set.has(j)),
        survivors: ns.filter((j) => this.u3Set.has(j)),
      };
    });
    this.current = 'unmask';
    return out;
  }

  /** Stage 4: a client's revealed shares, exactly those its request asked for. */
  receiveUnmask(msg: UnmaskMessage): void {
    const from = this.envelope(msg, 'secagg/unmask', 'unmask', this.revealed);
    if (!this.u3Set.has(from)) throw new ProtocolError(`client ${from} sent shares but no masked input in this round`);
    const list = (msg as unknown as Record<string, unknown>).shares;
    if (!Array.isArray(list)) throw new ProtocolError(`unmask of client ${from}: shares must be an array, got ${describe(list)}`);
    const asked = new Map<number, SecretKind>();
    for (const j of this.neighboursOf(from)) {
      if (this.u2Set.has(j)) asked.set(j, this.u3Set.has(j) ? 'self-mask' : 'mask-key');
    }
    const seen = new Set<number>();
    for (const s of list as unknown[]) {
      const r = (s ?? {}) as Record<string, unknown>;
      const owner = r.owner;
      if (!isUint32(owner) || !asked.has(owner)) throw new ProtocolError(`unmask of client ${from}: a share of client ${String(owner)}, which it was not asked for`);
      if (seen.has(owner)) throw new ProtocolError(`unmask of client ${from}: two shares of client ${owner}`);
      seen.add(owner);
      if (r.secret !== asked.get(owner)) throw new ProtocolError(`unmask of client ${from}: a ${String(r.secret)} share of client ${owner}, but its ${asked.get(owner)} share was asked for`);
      if (r.x !== shareX(this.graph, owner, from)) throw new ProtocolError(`unmask of client ${from}: share of client ${owner} has x = ${String(r.x)}, expected ${shareX(this.graph, owner, from)}`);
      checkBytes(r.share, SEED_BYTES, `unmask of client ${from}: share of client ${owner}`);
    }
    if (seen.size !== asked.size) throw new ProtocolError(`unmask of client ${from}: ${seen.size} shares, ${asked.size} were asked for`);
    const copy = msg as UnmaskMessage;
    this.revealed.set(from, { ...copy, shares: copy.shares.map((s) => ({ ...s, share: s.share.slice() })) });
  }

  /**
   * Closes stage 4: reconstructs the secrets, unmasks and decodes the sum over U3. Refuses the
   * round when fewer than t shares arrived for a secret, or a reconstructed secret does not match
   * its commitment (b) or advertised public key (s_sk).
   */
  async finish(): Promise<SecAggResult> {
    this.expect('unmask');
    try {
      return await this.reconstruct();
    } catch (err) {
      this.current = 'refused';
      throw err;
    }
  }

  private async reconstruct(): Promise<SecAggResult> {
    const d = this.setup.vectorLength;
    const t = this.setup.threshold;
    const byOwner = new Map<number, Share[]>();
    for (const m of this.revealed.values()) {
      for (const s of m.shares) {
        const list = byOwner.get(s.owner) ?? [];
        list.push({ x: s.x, y: s.share });
        byOwner.set(s.owner, list);
      }
    }
    /**
     * Reconstructs a secret from the first t shares by x; if it fails `verify` and more shares
     * arrived, tries the first t + 1 shares leaving one out, so one corrupt share is survived.
     */
    const recover = async <T>(owner: number, what: string, verify: (secret: Uint8Array) => Promise<T | undefined>): Promise<{ secret: Uint8Array; value: T }> => {
      const list = (byOwner.get(owner) ?? []).sort((a, b) => a.x - b.x);
      this.requireAtLeastT(list.length, `${list.length} shares of client ${owner}'s ${what} arrived`);
      const candidates: Share[][] = [list.slice(0, t)];
      if (list.length > t) for (let skip = 0; skip <= t; skip++) candidates.push(list.slice(0, t + 1).filter((_, p) => p !== skip));
      for (const c of candidates) {
        const secret = combine(c, t);
        const value = await verify(secret);
        if (value !== undefined) return { secret, value };
      }
      this.refuse(
        `the reconstructed ${what} of client ${owner} does not match its ${what === 'self-mask seed' ? 'commitment' : 'advertised public key'}: ` +
          `neighbours revealed corrupt shares (${list.length} shares, threshold ${t}; one corrupt share is survived when more than t arrive)`,
      );
    };
    const sum = new Uint32Array(d);
    for (const i of this.u3) addInPlace(sum, this.masked.get(i)!);
    this.emitVector('partial-sum', undefined, sum);

    // Self masks of the survivors: b_i, checked against the commitment sent in stage 2.
    await inBatches(this.u3, async (i) => {
      const commitment = this.shares.get(i)!.selfMaskCommitment;
      const { secret: b } = await recover(i, 'self-mask seed', async (seed) => (equalBytes(await sha256(seed), commitment) ? true : undefined));
      this.trace?.({ kind: 'secret', secret: 'self-mask', owner: i, value: b.slice() });
      const mask = await expandMask(b, d);
      this.emitVector('self-mask', i, mask);
      return () => subtractInPlace(sum, mask);
    });
    this.emitVector('partial-sum', undefined, sum);

    // Pairwise masks between the survivors and the clients that dropped after sharing secrets.
    const dropped = this.u2.filter((j) => !this.u3Set.has(j));
    await inBatches(dropped, async (j) => {
      const advertised = this.keys.get(j)!.maskKey;
      const { secret: scalar, value: pair } = await recover(j, 'mask key', async (sk) => {
        const candidate = await importPrivateKey(sk).catch(() => undefined);
        return candidate !== undefined && equalBytes(candidate.publicKey, advertised) ? candidate : undefined;
      });
      this.trace?.({ kind: 'secret', secret: 'mask-key', owner: j, value: scalar.slice() });
      const undo: (() => void)[] = [];
      for (const i of this.neighboursOf(j).filter((v) => this.u3Set.has(v))) {
        const seed = await deriveMaskSeed(await sharedSecret(pair.privateKey, this.keys.get(i)!.maskKey), this.setup.round, i, j);
        const mask = await expandMask(seed, d);
        this.emitVector('pairwise-mask', i, mask);
        // client i added +mask when i < j and −mask when i > j
        undo.push(i < j ? () => subtractInPlace(sum, mask) : () => addInPlace(sum, mask));
      }
      return () => undo.forEach((f) => f());
    });
    this.emitVector('sum', undefined, sum);
    const decoded = decodeSum(sum, this.u3.length, this.setup);
    this.current = 'done';
    return { sum: decoded, ringSum: sum, included: [...this.u3], excluded: this.setup.clientIds.filter((i) => !this.u3Set.has(i)) };
  }

  private neighboursOf(i: number): readonly number[] {
    return this.graph.get(i) ?? [];
  }

  private envelope(msg: unknown, type: 'secagg/keys' | 'secagg/shares' | 'secagg/masked-input' | 'secagg/unmask', stage: SecAggServerStage, seen: ReadonlyMap<number, unknown>): number {
    const m = checkEnvelope(msg, type, this.setup.round);
    const from = m.from;
    if (!isUint32(from) || !this.members.has(from)) throw new ProtocolError(`${type} message from client ${String(from)}, which is not in round ${this.setup.round}`);
    if (this.current !== stage) throw new ProtocolError(`${type} message from client ${from} arrived at stage '${this.current}', not '${stage}' (late or replayed)`);
    if (seen.has(from)) throw new ProtocolError(`duplicate ${type} message from client ${from} (replayed?)`);
    return from;
  }

  private expect(stage: SecAggServerStage): void {
    if (this.current !== stage) throw new ProtocolError(`the secure aggregation server is at stage '${this.current}', not '${stage}'`);
  }

  private requireAtLeastT(count: number, what: string): void {
    if (count < this.setup.threshold) {
      this.refuse(`${what}, fewer than the threshold t = ${this.setup.threshold}`);
    }
  }

  private refuse(reason: string): never {
    this.current = 'refused';
    throw new RoundRefusedError(
      `secure aggregation round ${this.setup.round} refused: ${reason}`,
      'too many clients dropped out; retry the round with more clients, more neighbours (k) or a lower threshold (t)',
    );
  }

  private emitVector(label: SecAggVectorEvent['label'], client: number | undefined, v: Uint32Array): void {
    this.trace?.({ kind: 'vector', label, client, vector: v.slice() });
  }
}

/** Runs `work` over `items` 16 at a time (bounded memory for the masks); applies the returned updates in item order. */
async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<() => void>): Promise<void> {
  for (let off = 0; off < items.length; off += 16) {
    const apply = await Promise.all(items.slice(off, off + 16).map(work));
    apply.forEach((f) => f());
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
