/**
 * The server fuzzer's oracle: what the server may do with each case, decided with the project's
 * own decoder and reply validator rather than with a second implementation. A case the fuzzer
 * cannot decode itself, or a fit reply `validateFitReply` refuses, must never be aggregated; a
 * hello without valid credentials must never be welcomed. The ledger then compares what was sent
 * with the rounds the server recorded in metrics.jsonl. Pure.
 */
import type { FitFailure } from '../../federated/strategy.js';
import { decodeMessage } from '../../federated/protocol/codec.js';
import { SUPPORTED_FORMAT_VERSIONS, type FitMessage, type Message } from '../../federated/protocol/messages.js';
import { validateFitReply } from '../../federated/protocol/validate-reply.js';
import type { FuzzCase } from './mutate.js';

/** The message a case delivers to the server's decoder, or why none can be decoded. */
export function deliveredMessage(c: FuzzCase, maxMessageBytes: number): { msg: Message } | { undecodable: string } {
  if (c.delivery.mode === 'text') return { undecodable: 'text message' };
  if (c.delivery.mode === 'oversized' || c.delivery.mode === 'wsViolation') return { undecodable: `never a whole message (${c.delivery.mode})` };
  if (c.bytes.byteLength > maxMessageBytes) return { undecodable: `${c.bytes.byteLength} bytes, above the limit of ${maxMessageBytes}` };
  try {
    return { msg: decodeMessage(c.bytes, { maxMessageBytes }) };
  } catch (err) {
    return { undecodable: err instanceof Error ? err.message : String(err) };
  }
}

/** Whether a message is a hello the server may welcome: a supported version and a registered id with its own token. */
export function helloAuthorizes(delivered: { msg: Message } | { undecodable: string }, credentials: ReadonlyMap<string, string>): boolean {
  if (!('msg' in delivered)) return false;
  const m = delivered.msg;
  return m.type === 'hello' && SUPPORTED_FORMAT_VERSIONS.includes(m.protocolVersion) && credentials.get(m.clientId) === m.token;
}

/** The oracle's verdict on one fit reply: valid for the round it claims, or not (and why). */
export interface FitReplyVerdict {
  /** The round the reply claims, when it could be decoded. */
  round?: number;
  valid: boolean;
  reason: string;
}

/**
 * Judges a delivered message sent as a fit reply. `fits` are the fit requests received so far by
 * round (their parameters are the model's layout and the round's global model). A reply claiming
 * a round whose fit has not arrived is judged against the latest layout; if it is a delta its
 * validity depends on a global model not yet seen, so it counts as valid (the ledger only ever
 * errs towards not reporting).
 */
export function judgeFitReply(delivered: { msg: Message } | { undecodable: string }, fits: ReadonlyMap<number, FitMessage>, clientId: string, maxNumExamples: number): FitReplyVerdict {
  if (!('msg' in delivered)) return { valid: false, reason: `undecodable: ${delivered.undecodable}` };
  const msg = delivered.msg;
  if (msg.type !== 'fitReply') return { valid: false, reason: `a ${msg.type}, not a fitReply` };
  const latest = [...fits.values()].at(-1);
  const fit = fits.get(msg.round) ?? latest;
  if (fit === undefined) return { round: msg.round, valid: false, reason: 'no fit received yet' };
  const layout = fit.params.map((t) => ({ name: t.name, shape: t.shape }));
  const total = fit.params.reduce((s, t) => s + t.values.length, 0);
  let global: Float32Array;
  if (fits.has(msg.round)) {
    global = new Float32Array(total);
    let at = 0;
    for (const t of fit.params) {
      global.set(t.values, at);
      at += t.values.length;
    }
  } else {
    if (msg.delta) return { round: msg.round, valid: true, reason: 'a delta for a round whose global model is not known here (counted as valid)' };
    global = new Float32Array(total);
  }
  const v = validateFitReply(msg, { clientId, round: msg.round, layout, global, maxNumExamples, extras: {} });
  return v.ok ? { round: msg.round, valid: true, reason: 'valid' } : { round: msg.round, valid: false, reason: `${v.code}: ${v.reason}` };
}

/** The fields of a metrics.jsonl round record the ledger reads. */
export interface RoundOutcome {
  round: number;
  replied: string[];
  failures: FitFailure[];
}

/** A round in which the server aggregated a reply the oracle calls invalid. */
export interface Violation {
  round: number;
  /** The invalid replies sent for that round (case ids and reasons). */
  sent: string[];
}

/** Fit replies sent by one client, by the round they claim. */
export class RoundLedger {
  private readonly validRounds = new Set<number>();
  private readonly invalid = new Map<number, string[]>();
  /** Replies judged valid and invalid so far. */
  validSent = 0;
  invalidSent = 0;

  constructor(readonly clientId: string) {}

  /** Records one reply and the oracle's verdict on it (`caseId` names it in reports). */
  record(verdict: FitReplyVerdict, caseId: string): void {
    if (verdict.valid) this.validSent++;
    else this.invalidSent++;
    if (verdict.round === undefined) return;
    if (verdict.valid) this.validRounds.add(verdict.round);
    else {
      const list = this.invalid.get(verdict.round) ?? [];
      if (list.length < 8) list.push(`${caseId} (${verdict.reason.slice(0, 160)})`);
      this.invalid.set(verdict.round, list);
    }
  }

  /**
   * Rounds whose record lists this client among those aggregated although no reply it sent
   * claiming that round was valid by the oracle (every reply the server could have used was
   * invalid, or undecodable and so of no known round).
   */
  violations(records: readonly RoundOutcome[]): Violation[] {
    return records
      .filter((r) => r.replied.includes(this.clientId) && !this.validRounds.has(r.round))
      .map((r) => ({ round: r.round, sent: this.invalid.get(r.round) ?? ['no reply decodable as this round was sent'] }));
  }

  /** Rounds in which this client's reply was aggregated. */
  aggregated(records: readonly RoundOutcome[]): number {
    return records.filter((r) => r.replied.includes(this.clientId)).length;
  }
}
