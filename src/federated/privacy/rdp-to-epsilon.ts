/**
 * From Rényi DP to (ε, δ)-DP with the conversion of Canonne, Kamath & Steinke 2020 (arXiv:2004.00010,
 * Prop. 12; also Balle et al. 2020, arXiv:1905.09982, Thm. 21):
 * ε = min over α of ε_α + log(1 − 1/α) − log(δ·α)/(α − 1),
 * the same formula (and the same edge cases) as dp_accounting's `compute_epsilon` and Opacus'
 * `get_privacy_spent`. Tighter than the classic ε_α + log(1/δ)/(α − 1) (Mironov 2017, Prop. 3),
 * which is kept for reproducing values published with it. Pure.
 */
import { ConfigError } from '../../errors.js';

/** ε at a δ and the order that attains it. */
export interface EpsilonAtDelta {
  /** ε ≥ 0; +∞ when no order gives a finite bound. */
  epsilon: number;
  /** The order α of the minimum (NaN when ε is +∞ at every order). */
  order: number;
}

/** Throws ConfigError unless 0 < δ < 1 and the two arrays have the same length. */
function checkArguments(orders: readonly number[], rdp: ArrayLike<number>, delta: number): void {
  if (!(delta > 0 && delta < 1)) throw new ConfigError('', `δ must be in (0, 1), got ${delta}`, 'use a δ well below 1/N for N people (or clients), e.g. 1e-5');
  if (orders.length !== rdp.length) throw new ConfigError('', `${orders.length} orders but ${rdp.length} RDP values`, 'pass one RDP value per order');
}

/** The (ε, δ) guarantee of an RDP curve, by the conversion of Canonne et al. 2020 (see the file's comment). */
export function epsilonFromRdp(orders: readonly number[], rdp: ArrayLike<number>, delta: number): EpsilonAtDelta {
  checkArguments(orders, rdp, delta);
  let best: EpsilonAtDelta = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN };
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k];
    const r = rdp[k];
    let eps: number;
    if (r < 0) eps = 0; // numerical noise of extreme parameters, as dp_accounting treats it
    else if (delta * delta + Math.expm1(-r) > 0) eps = 0; // the KL bound already gives δ
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Number.POSITIVE_INFINITY; // unstable as α → 1
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** The classic conversion ε = min ε_α + log(1/δ)/(α − 1) (Mironov 2017, Prop. 3), looser; for comparison with older published values. */
export function epsilonFromRdpClassic(orders: readonly number[], rdp: ArrayLike<number>, delta: number): EpsilonAtDelta {
  checkArguments(orders, rdp, delta);
  let best: EpsilonAtDelta = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN };
  for (let k = 0; k < orders.length; k++) {
    const eps = rdp[k] - Math.log(delta) / (orders[k] - 1);
    if (eps < best.epsilon) best = { epsilon: eps, order: orders[k] };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}
