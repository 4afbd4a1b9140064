/**
 * Seeded pseudo-random numbers (pure, no tfjs). Every source of randomness in jointly
 * (shuffles, splits, label noise, dropout masks, initializer seeds) derives from one run seed
 * through these functions, so that a config and a seed reproduce a run on the same backend.
 */

/** A deterministic generator of floats in [0, 1). */
export interface Rng {
  /** Next float in [0, 1). */
  next(): number;
  /** Next integer in [0, n). */
  int(n: number): number;
  /** The position in the stream, to replay it later with `restore`. */
  save(): number;
  /** Goes back to a position returned by `save`. */
  restore(position: number): void;
}

/** Seeds are 32-bit: larger ones would alias smaller ones. */
export const MAX_SEED = 0xffffffff;

/** Mixes a seed and a label into a new 32-bit seed (so sub-streams are independent). */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: small, fast and good enough for shuffling and masks. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n: number) => Math.floor(next() * n),
    save: () => state,
    restore: (position: number) => {
      state = position >>> 0;
    },
  };
  return rng;
}

/** Fisher-Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
