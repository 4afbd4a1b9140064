/**
 * The two fuzzers of `npm run fuzz:server`: unauthenticated connections that each send one
 * mutated frame before (or instead of) hello, and a registered client that answers every fit
 * request with a mutated fitReply and sends mutated frames of every type in between. Both
 * consult the oracle on each case: a welcome for a hello without valid credentials is a
 * violation at once; fit replies go to the round ledger, checked against metrics.jsonl.
 */
import { createRng, deriveSeed, type Rng } from '../../engine/random.js';
import { decodeMessage, encodeMessage } from '../../federated/protocol/codec.js';
import type { FitMessage, Message, MessageType } from '../../federated/protocol/messages.js';
import { ALL_TYPES, baseMessage, type FrameContext } from './base-frames.js';
import { FIT_REPLY_WEIGHTS, mutateFrame, type FuzzCase, type MutationKind, type MutationWeights } from './mutate.js';
import { deliveredMessage, helloAuthorizes, judgeFitReply, RoundLedger } from './oracle.js';
import { RawWebSocket, type RawTarget } from './raw-websocket.js';
import { OPCODE, type WsEvent } from './ws-frame.js';

/** Cases sent, by mutation kind, and what the server did. */
export interface FuzzStats {
  cases: number;
  byKind: Partial<Record<MutationKind, number>>;
  /** Connections the server closed or refused before this side was done with them. */
  closedByServer: number;
  /** Connections that could not be opened or upgraded (e.g. refused at accept by a cap). */
  connectFailed: number;
  /** Server answers seen, by kind: welcome, refuse:<code>, error:<code>. */
  answers: Record<string, number>;
  /** The last cases sent (id, kind, detail), newest last: what preceded a failure. */
  recent: string[];
}

export function emptyStats(): FuzzStats {
  return { cases: 0, byKind: {}, closedByServer: 0, connectFailed: 0, answers: {}, recent: [] };
}

function count(stats: FuzzStats, c: FuzzCase, caseId: string): void {
  stats.recent.push(`${caseId} ${c.kind}: ${c.detail}`);
  if (stats.recent.length > 10) stats.recent.shift();
  stats.cases++;
  stats.byKind[c.kind] = (stats.byKind[c.kind] ?? 0) + 1;
}

function answer(stats: FuzzStats, what: string): void {
  stats.answers[what] = (stats.answers[what] ?? 0) + 1;
}

/** Sends a case over a raw WebSocket the way its delivery says. */
export function deliver(ws: RawWebSocket, c: FuzzCase): void {
  const d = c.delivery;
  switch (d.mode) {
    case 'binary':
      ws.sendMessage(c.bytes);
      return;
    case 'text':
      ws.sendMessage(c.bytes, { text: true });
      return;
    case 'fragmented':
      ws.sendMessage(c.bytes, { fragments: d.fragments });
      return;
    case 'oversized':
      ws.startPartialFrame(d.declaredLength, c.bytes);
      return;
    case 'wsViolation':
      if (d.violation === 'rsv') ws.sendFrame(c.bytes, { rsv: 4 });
      else if (d.violation === 'opcode') ws.sendFrame(c.bytes, { opcode: 0x3 });
      else if (d.violation === 'unmasked') ws.sendFrame(c.bytes, { unmasked: true });
      else ws.sendFrame(c.bytes.byteLength > 125 ? c.bytes : new Uint8Array(200), { opcode: OPCODE.ping });
      return;
  }
}

/** A decoded server message from a raw event, or undefined. */
function serverMessage(e: WsEvent): Message | undefined {
  if (e.kind !== 'message' || !e.binary) return undefined;
  try {
    return decodeMessage(e.data);
  } catch {
    return undefined;
  }
}

function pickType(rng: Rng, weights: Partial<Record<MessageType, number>>): MessageType {
  const w = ALL_TYPES.map((t) => weights[t] ?? 1);
  let r = rng.next() * w.reduce((s, x) => s + x, 0);
  for (let i = 0; i < w.length; i++) {
    r -= w[i];
    if (r < 0) return ALL_TYPES[i];
  }
  return 'hello';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A case the oracle says the server got wrong. */
export interface FuzzViolation {
  caseId: string;
  kind: MutationKind;
  detail: string;
  what: string;
  /** The case's bytes in hex (at most 4 KiB of them). */
  hex: string;
}

function violation(caseId: string, c: FuzzCase, what: string): FuzzViolation {
  return { caseId, kind: c.kind, detail: c.detail, what, hex: Buffer.from(c.bytes.subarray(0, 4096)).toString('hex') };
}

/** Settings shared by the fuzzers. */
export interface FuzzerSettings {
  seed: number;
  target: RawTarget;
  /** Registered ids and their tokens (the oracle's credentials). */
  credentials: ReadonlyMap<string, string>;
  /** The server's limit before hello, in bytes (server.maxHelloKiB). */
  maxHelloBytes: number;
  /** The server's limit after hello, in bytes (server.maxMessageMiB). */
  maxMessageBytes: number;
  /** Whether to go on. */
  running: () => boolean;
  /** Called with each violation found. */
  onViolation: (v: FuzzViolation) => void;
}

/**
 * Unauthenticated cases: connection after connection, one mutated frame each (mostly hellos,
 * with wrong or, sometimes, right credentials for `preId`; any other type too), then waits for
 * the server's answer or close, or drops the connection itself. `workers` run at once.
 */
export async function fuzzBeforeHello(s: FuzzerSettings, preId: string, workers: number, stats: FuzzStats, nextCase: () => number | undefined): Promise<void> {
  const realToken = s.credentials.get(preId) ?? '';
  const worker = async (): Promise<void> => {
    while (s.running()) {
      const n = nextCase();
      if (n === undefined) return;
      const caseId = `P#${n}`;
      const rng = createRng(deriveSeed(s.seed, `pre-${n}`));
      const type = pickType(rng, { hello: 12 });
      const right = rng.next() < 0.25;
      const ctx: FrameContext = { clientId: right || rng.next() < 0.5 ? preId : `intruder-${rng.int(1000)}`, token: right ? realToken : `wrong-${rng.int(1e9)}`, numExamples: 10 };
      const c = mutateFrame(encodeMessage(baseMessage(type, ctx, rng)), rng);
      const authorized = helloAuthorizes(deliveredMessage(c, s.maxHelloBytes), s.credentials);
      const holdMs = rng.next() < 0.2 ? 0 : 3000;
      count(stats, c, caseId);
      let ws: RawWebSocket;
      try {
        ws = await RawWebSocket.open(s.target, 5000);
      } catch {
        stats.connectFailed++;
        await sleep(50);
        continue;
      }
      const answered = new Promise<void>((resolve) => {
        ws.onEvent = (e) => {
          const msg = serverMessage(e);
          if (msg === undefined) return;
          answer(stats, msg.type === 'refuse' ? `refuse:${msg.code}` : msg.type === 'error' ? `error:${msg.code}` : msg.type);
          if (msg.type === 'welcome' && !authorized) s.onViolation(violation(caseId, c, 'welcomed on a connection whose first message was not a valid hello with a registered id and its token'));
          if (msg.type === 'welcome' || msg.type === 'refuse') resolve();
        };
      });
      deliver(ws, c);
      const closed = ws.closed.then((r) => {
        if (r.byServer) stats.closedByServer++;
      });
      await Promise.race([answered, closed, sleep(holdMs)]);
      ws.destroy();
      await closed;
    }
  };
  await Promise.all(Array.from({ length: workers }, () => worker()));
}

/**
 * The registered fuzz client: joins as `clientId` (declaring `numExamples`), answers every fit
 * with one or two mutated fitReplies (judged by the oracle into `ledger`), answers evaluations
 * with mutated evaluateReplies, and every `noiseMs` sends a mutated frame of any type. Rejoins
 * whenever the connection is gone (a bye, a WebSocket violation, a refusal).
 */
export async function fuzzAfterHello(
  s: FuzzerSettings,
  clientId: string,
  numExamples: number,
  noiseMs: number,
  stats: FuzzStats,
  ledger: RoundLedger,
  nextCase: () => number | undefined,
): Promise<void> {
  const token = s.credentials.get(clientId) ?? '';
  const fits = new Map<number, FitMessage>();
  const ctx = (fit?: FitMessage): FrameContext => ({ clientId, token, numExamples, fit });
  let joins = 0;
  while (s.running()) {
    let ws: RawWebSocket;
    try {
      ws = await RawWebSocket.open(s.target, 5000);
    } catch {
      stats.connectFailed++;
      await sleep(200);
      continue;
    }
    let welcomed = false;
    let dropped = false;
    const sendCase = (base: Message, weights: MutationWeights, judge: boolean): void => {
      const n = nextCase();
      if (n === undefined || dropped) return;
      const caseId = `A#${n}`;
      const rng = createRng(deriveSeed(s.seed, `post-${n}`));
      const c = mutateFrame(encodeMessage(base), rng, weights);
      const delivered = deliveredMessage(c, s.maxMessageBytes);
      // Every case that is, or decodes as, a fit reply could be aggregated: the ledger judges it.
      if (judge || ('msg' in delivered && delivered.msg.type === 'fitReply')) ledger.record(judgeFitReply(delivered, fits, clientId, numExamples), caseId);
      count(stats, c, caseId);
      deliver(ws, c);
      // A frame that never ends (or breaks WebSocket) leaves nothing useful on this connection.
      if (c.delivery.mode === 'oversized' || c.delivery.mode === 'wsViolation') {
        dropped = true;
        setTimeout(() => ws.destroy(), 200);
      }
    };
    const welcome = new Promise<boolean>((resolve) => {
      ws.onEvent = (e) => {
        const msg = serverMessage(e);
        if (msg === undefined) return;
        if (msg.type === 'welcome') {
          welcomed = true;
          joins++;
          resolve(true);
        } else if (msg.type === 'refuse') {
          answer(stats, `refuse:${msg.code}`);
          resolve(false);
        } else if (msg.type === 'error') answer(stats, `error:${msg.code}`);
        else if (msg.type === 'fit') {
          fits.set(msg.round, msg);
          if (fits.size > 50) fits.delete(fits.keys().next().value as number);
          const rng = createRng(deriveSeed(s.seed, `fit-${msg.round}-${joins}`));
          for (let i = 0, k = rng.next() < 0.2 ? 2 : 1; i < k; i++) sendCase(baseMessage('fitReply', ctx(msg), rng), FIT_REPLY_WEIGHTS, true);
        } else if (msg.type === 'evaluate') {
          sendCase(baseMessage('evaluateReply', ctx(), createRng(msg.round)), {}, false);
        }
      };
      void ws.closed.then(() => resolve(false));
    });
    ws.sendMessage(encodeMessage(baseMessage('hello', ctx(), createRng(0))));
    const ok = await Promise.race([welcome, sleep(10_000).then(() => false)]);
    if (!ok) {
      ws.destroy();
      await ws.closed;
      await sleep(300);
      continue;
    }
    let tick = 0;
    while (s.running() && !dropped && ws.writable) {
      await sleep(noiseMs);
      const rng = createRng(deriveSeed(s.seed, `noise-${joins}-${tick++}`));
      const type = pickType(rng, { heartbeat: 6, bye: 0.15, fitReply: 2 });
      sendCase(baseMessage(type, ctx([...fits.values()].at(-1)), rng), {}, type === 'fitReply');
    }
    const closed = await Promise.race([ws.closed, sleep(1000).then(() => undefined)]);
    if (closed?.byServer === true && welcomed) stats.closedByServer++;
    ws.destroy();
    await ws.closed;
  }
}
