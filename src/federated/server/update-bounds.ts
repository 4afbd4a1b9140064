/**
 * Bounds on what one client can do to a round, applied by the coordinator to the validated
 * replies before the strategy aggregates them (both runtimes): the norm of each update
 * ‖params − global‖₂ (absolute, relative to the global model's norm, and relative to the median
 * of the other replies' norms: the norm-bounding defence of Sun et al. 2019, "Can You Really
 * Backdoor Federated Learning?"), the claimed example count relative to the median of the other
 * replies' claims (the weight of a reply in weighted means), and the same count cap plus metric
 * sanity for federated evaluation results. A reply beyond a bound is refused or clipped to it;
 * every refusal and clip names the bound and the values. Pure functions over Float32Arrays.
 */
import type { FitFailure, FitReply } from '../strategy.js';
import type { ClientEvaluation } from './client-pool.js';

/** What to do with a reply beyond a bound: refuse it (a round failure), or clip it to the bound. */
export type BoundAction = 'refuse' | 'clip';

/** The bounds (the `bounds` block of a federated config; see `BoundsConfigSchema` for the documentation of each). */
export interface UpdateBounds {
  /** Largest ‖params − global‖₂ of any update; undefined: no absolute bound. */
  maxUpdateNorm?: number;
  /** Largest ‖update‖ / max(‖global‖, 1); 0: off. */
  maxUpdateNormRatio: number;
  /** Largest ‖update‖ / the median norm of the round's other updates (rounds with ≥ 3 replies); 0: off. */
  maxNormMultipleOfMedian: number;
  onNormExceeded: BoundAction;
  /** Largest claimed example count / the median claim of the round's other replies (rounds with ≥ 3 replies); 0: off. */
  maxExamplesMultipleOfMedian: number;
  onExamplesExceeded: BoundAction;
}

/**
 * The defaults, chosen with a wide margin over what legitimate runs produce, so that no honest
 * reply of the project's configs, demos or tests is refused. Measured on each round's
 * `updateNorms` record (simulations of configs/federated-smoke.json and federated-mnist.json,
 * 3 rounds each, with variations: 5 local epochs, Adam, SCAFFOLD, Dirichlet α = 0.1, quantity
 * skew β = 0.5 and 0.1 over 10 clients; and the tiny networked task of network/testing.ts):
 * - ‖Δ‖ / max(‖global‖, 1): at most 1.40 (Adam lr 0.01, 3 local epochs, the first round from a
 *   fresh init; the configs as shipped: 0.45 smoke, 0.38 mnist). 10 is 7× the largest; the
 *   attacks of issue 10 give ~1e31 (parameters of 1e30) and ~1e39 (a delta of 3e38).
 * - ‖Δ‖ / the median of the others' ‖Δ‖: at most 13 (quantity skew β = 0.5, where the largest
 *   client takes 10× the median client's local steps; 1.5 or less without quantity skew). 100
 *   keeps a ~8× margin: it catches updates boosted 100-fold and more (a boosted backdoor) in
 *   late rounds, where the global-norm bound is loose.
 * - claim / the median of the others' claims: at most 10.4 (quantity skew β = 0.5 over 10
 *   clients; 1.7 with Dirichlet α = 0.1). 100 keeps a ~10× margin and refuses 10,000,000
 *   against 20.
 * Both actions default to `refuse`: these bounds are loose, and an update clipped to a loose
 * bound (10 × ‖global‖, say) still dominates a FedAvg round, as a claim capped at 100 × the
 * median does; `clip` is for a tight bound set by the operator (Sun et al. clip every update to
 * a norm M near the honest ones).
 */
export const DEFAULT_UPDATE_BOUNDS: Readonly<UpdateBounds> = {
  maxUpdateNormRatio: 10,
  maxNormMultipleOfMedian: 100,
  onNormExceeded: 'refuse',
  maxExamplesMultipleOfMedian: 100,
  onExamplesExceeded: 'refuse',
};

/**
 * Fewest other replies a median-relative bound needs. With one other reply its "median" is that
 * one client, so either of two clients could have the other refused (a tiny update or a claim of
 * 1 would refuse the honest one, and the round would aggregate the attacker alone); from two
 * others on, one attacker moves the median of the others by at most half (toward 0) — the
 * honest clients' bounds stay within 2× of what they would be.
 */
export const MEDIAN_MIN_OTHERS = 2;

/** A reply (or evaluation) changed to fit a bound, as recorded in the round's record. */
export interface BoundAdjustment {
  clientId: string;
  /** `updateNorm` (the update was scaled), `numExamples` (the fit weight), `evaluationExamples` (the evaluation weight). */
  what: 'updateNorm' | 'numExamples' | 'evaluationExamples';
  from: number;
  to: number;
  /** The bound in words, e.g. `10 × the global model's norm 4.17`. */
  bound: string;
}

/** Norms of a round's updates, for the record (operators calibrate tight bounds from them). */
export interface UpdateNorms {
  /** ‖global‖₂ the round started from. */
  global: number;
  /** ‖params − global‖₂ of each reply as sent (before any clip), by client id. */
  updates: Record<string, number>;
}

export interface BoundedFit {
  /** Replies within the bounds, in input order (clipped ones are new objects; the others are the input objects). */
  accepted: FitReply[];
  /** Replies refused by a bound, with the reason (naming the bound and the values). */
  refused: FitFailure[];
  /** Clipped replies. */
  adjusted: BoundAdjustment[];
  norms: UpdateNorms;
}

/** A compact number for messages: 3 significant digits, exponent form when large or small. */
export function formatBoundValue(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}

/** ‖v‖₂, accumulated in float64. */
export function norm2(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** ‖a − b‖₂, accumulated in float64 (3e38 − (−3e38) overflows float32, not float64). */
export function distance2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** The median of `values` (mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** For each i, the median of the values other than the i-th; undefined when fewer than MEDIAN_MIN_OTHERS others. */
function mediansOfOthers(values: readonly number[]): (number | undefined)[] {
  return values.map((_, i) => (values.length - 1 < MEDIAN_MIN_OTHERS ? undefined : median(values.filter((__, j) => j !== i))));
}

interface Bound {
  value: number;
  /** The bound in words. */
  words: string;
}

/** The tightest of the candidate bounds (the first listed wins a tie). */
function tightest(candidates: readonly (Bound | undefined)[]): Bound | undefined {
  let best: Bound | undefined;
  for (const c of candidates) if (c !== undefined && (best === undefined || c.value < best.value)) best = c;
  return best;
}

/** The norm bound of one reply, given ‖global‖ and the median norm of the other replies. */
function normBound(bounds: UpdateBounds, globalNorm: number, othersMedian: number | undefined, others: number): Bound | undefined {
  const f = formatBoundValue;
  const absolute = bounds.maxUpdateNorm === undefined ? undefined : { value: bounds.maxUpdateNorm, words: 'maxUpdateNorm' };
  const r = bounds.maxUpdateNormRatio;
  const ratio =
    r > 0 ? { value: r * Math.max(globalNorm, 1), words: globalNorm >= 1 ? `${r} × the global model's norm ${f(globalNorm)}` : `${r} × 1, the floor of the global model's norm ${f(globalNorm)}` } : undefined;
  const m = bounds.maxNormMultipleOfMedian;
  // A median of 0 (the others sent their parameters back unchanged) gives no scale to compare with.
  const relative =
    m > 0 && othersMedian !== undefined && othersMedian > 0 ? { value: m * othersMedian, words: `${m} × the median update norm ${f(othersMedian)} of the ${others} other replies` } : undefined;
  return tightest([absolute, ratio, relative]);
}

/** The claim bound of one reply, given the median claim of the others. */
function examplesBound(multiple: number, othersMedian: number | undefined, others: number, what: string): Bound | undefined {
  if (multiple <= 0 || othersMedian === undefined || !(othersMedian > 0)) return undefined;
  return { value: multiple * othersMedian, words: `${multiple} × the median ${what} ${formatBoundValue(othersMedian)} of the ${others} other replies` };
}

/** global + (params − global)·scale, in float64 then rounded to float32. */
function scaleUpdate(params: Float32Array, global: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(params.length);
  for (let i = 0; i < params.length; i++) out[i] = global[i] + (params[i] - global[i]) * scale;
  return out;
}

/**
 * Applies the bounds to a round's validated fit replies (full parameters, of `global`'s length).
 * Each reply is compared with bounds computed from the replies as sent (so the outcome does not
 * depend on their order): first its update norm, then its claimed examples. A reply refused by
 * one bound is not checked further. Clipping scales the update to the norm bound (direction
 * kept), or sets the claim to the example bound (rounded down, at least 1).
 */
export function applyUpdateBounds(replies: readonly FitReply[], global: Float32Array, bounds: UpdateBounds): BoundedFit {
  const f = formatBoundValue;
  const globalNorm = norm2(global);
  const norms = replies.map((r) => distance2(r.params, global));
  const normMedians = mediansOfOthers(norms);
  const claimMedians = mediansOfOthers(replies.map((r) => r.numExamples));
  // fromEntries defines own properties whatever the id (no prototype setter).
  const updates = Object.fromEntries(replies.map((r, i) => [r.clientId, norms[i]]));
  const out: BoundedFit = { accepted: [], refused: [], adjusted: [], norms: { global: globalNorm, updates } };
  // The extra vectors a strategy aggregates (e.g. SCAFFOLD's controlDelta) move its state as
  // updates move the model: each is bounded by the same multiple of the median norm of the others'.
  const extraNames = [...new Set(replies.flatMap((r) => Object.keys(r.extras)))].sort();
  const extraNorms = new Map(extraNames.map((name) => [name, replies.map((r) => (r.extras[name] === undefined ? 0 : norm2(r.extras[name])))]));
  const extraMedians = new Map(extraNames.map((name) => [name, mediansOfOthers(extraNorms.get(name) ?? [])]));
  replies.forEach((reply, i) => {
    const others = replies.length - 1;
    let accepted = reply;
    for (const name of extraNames) {
      const median = extraMedians.get(name)?.[i];
      const value = extraNorms.get(name)?.[i] ?? 0;
      const multiple = bounds.maxNormMultipleOfMedian;
      if (multiple > 0 && median !== undefined && median > 0 && value > multiple * median) {
        out.refused.push({ clientId: reply.clientId, reason: `extra vector '${name}' has norm ${f(value)}, beyond the bound ${f(multiple * median)} (${multiple} × the median ${f(median)} of the ${others} other replies); refused` });
        return;
      }
    }
    const nb = normBound(bounds, globalNorm, normMedians[i], others);
    if (nb !== undefined && norms[i] > nb.value) {
      // Clipping the parameters alone would leave extras computed from the unclipped update.
      if (bounds.onNormExceeded === 'refuse' || extraNames.length > 0) {
        const why = bounds.onNormExceeded === 'refuse' ? '' : ' (not clipped: the reply carries extra vectors computed from the whole update)';
        out.refused.push({ clientId: reply.clientId, reason: `update norm ${f(norms[i])} exceeds the bound ${f(nb.value)} (${nb.words}); refused${why}` });
        return;
      }
      accepted = { ...accepted, params: scaleUpdate(reply.params, global, nb.value / norms[i]) };
      out.adjusted.push({ clientId: reply.clientId, what: 'updateNorm', from: norms[i], to: nb.value, bound: nb.words });
    }
    const eb = examplesBound(bounds.maxExamplesMultipleOfMedian, claimMedians[i], others, 'claim');
    if (eb !== undefined && reply.numExamples > eb.value) {
      if (bounds.onExamplesExceeded === 'refuse') {
        out.refused.push({ clientId: reply.clientId, reason: `claimed examples ${reply.numExamples} exceed the bound ${f(eb.value)} (${eb.words}); refused` });
        return;
      }
      const to = Math.max(1, Math.floor(eb.value));
      accepted = { ...accepted, numExamples: to };
      out.adjusted.push({ clientId: reply.clientId, what: 'numExamples', from: reply.numExamples, to, bound: eb.words });
    }
    out.accepted.push(accepted);
  });
  return out;
}

export interface BoundedEvaluation {
  /** The results that count, with their (possibly capped) example counts, in input order. */
  counted: ClientEvaluation[];
  /** Results left out of the means, with the reason. */
  dropped: FitFailure[];
  adjusted: BoundAdjustment[];
}

/** Why an evaluation result with examples cannot be a real one, or undefined when it can. */
function implausibleEvaluation(r: ClientEvaluation): string | undefined {
  if (!Number.isFinite(r.loss) || r.loss < 0) return `loss ${r.loss} is not a finite number ≥ 0; left out of the federated evaluation`;
  if (!(r.accuracy >= 0 && r.accuracy <= 1)) return `accuracy ${r.accuracy} is not a share in [0, 1]; left out of the federated evaluation`;
  return undefined;
}

/**
 * Applies the bounds to a round's federated evaluation results before their example-weighted
 * means: a result with examples whose loss is negative or not finite, or whose accuracy is not in
 * [0, 1], is dropped; a count beyond `maxExamplesMultipleOfMedian` × the median count of the
 * other results with examples is dropped or capped (`onExamplesExceeded`). Results with no
 * examples (no held-out data) are kept as they are: they do not count in the means anyway.
 */
export function boundEvaluations(results: readonly ClientEvaluation[], bounds: UpdateBounds): BoundedEvaluation {
  const out: BoundedEvaluation = { counted: [], dropped: [], adjusted: [] };
  const sane: ClientEvaluation[] = [];
  for (const r of results) {
    const why = r.numExamples > 0 ? implausibleEvaluation(r) : undefined;
    if (why === undefined) sane.push(r);
    else out.dropped.push({ clientId: r.clientId, reason: why });
  }
  const withExamples = sane.filter((r) => r.numExamples > 0);
  const medians = mediansOfOthers(withExamples.map((r) => r.numExamples));
  const medianOf = new Map(withExamples.map((r, i) => [r, medians[i]]));
  for (const r of sane) {
    const eb = examplesBound(bounds.maxExamplesMultipleOfMedian, medianOf.get(r), withExamples.length - 1, 'count');
    if (eb === undefined || r.numExamples <= eb.value) {
      out.counted.push(r);
    } else if (bounds.onExamplesExceeded === 'refuse') {
      out.dropped.push({ clientId: r.clientId, reason: `evaluated examples ${r.numExamples} exceed the bound ${formatBoundValue(eb.value)} (${eb.words}); left out of the federated evaluation` });
    } else {
      const to = Math.max(1, Math.floor(eb.value));
      out.counted.push({ ...r, numExamples: to });
      out.adjusted.push({ clientId: r.clientId, what: 'evaluationExamples', from: r.numExamples, to, bound: eb.words });
    }
  }
  return out;
}
