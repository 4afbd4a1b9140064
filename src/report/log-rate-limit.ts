/**
 * Per-key rate limiting of log lines: one token bucket per key (a connection's address:port),
 * so that one peer cannot flood the log while lines about others still pass.
 */
import { ConfigError } from '../errors.js';

/** A token bucket: `burst` lines at once, refilled at `perSecond` lines per second. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
  /** Lines refused since the count was last reported. */
  suppressed: number;
}

/**
 * One token bucket per key. Buckets that have refilled completely are forgotten by `sweep` (at
 * most every 10 s, or when there are many), reporting their suppressed counts, so that the
 * map holds only recently active keys.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {
    checkPositive('rateLimit.burst', limit.burst);
    checkPositive('rateLimit.perSecond', limit.perSecond);
    this.lastSweep = now();
  }

  /** Takes a token for `key`: undefined when there is none (the line is suppressed and counted), else the count suppressed before it (then reset). */
  take(key: string): number | undefined {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.limit.burst, at: t, suppressed: 0 };
      this.buckets.set(key, b);
    }
    this.refill(b, t);
    if (b.tokens < 1) {
      b.suppressed++;
      return undefined;
    }
    b.tokens -= 1;
    const earlier = b.suppressed;
    b.suppressed = 0;
    return earlier;
  }

  /** Forgets the buckets that are full again, returning their suppressed counts (non-zero ones). */
  sweep(): [string, number][] {
    const t = this.now();
    if (t - this.lastSweep < 10_000 && this.buckets.size < 4096) return [];
    this.lastSweep = t;
    const out: [string, number][] = [];
    for (const [key, b] of this.buckets) {
      this.refill(b, t);
      if (b.tokens >= this.limit.burst) {
        if (b.suppressed > 0) out.push([key, b.suppressed]);
        this.buckets.delete(key);
      }
    }
    return out;
  }

  /** Every non-zero suppressed count, reset. */
  drain(): [string, number][] {
    const out: [string, number][] = [];
    for (const [key, b] of this.buckets) {
      if (b.suppressed > 0) out.push([key, b.suppressed]);
      b.suppressed = 0;
    }
    return out;
  }

  private refill(b: Bucket, t: number): void {
    b.tokens = Math.min(this.limit.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
  }
}

/** A positive number option of the log, or a ConfigError naming it. */
export function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(`log.${name}`, `must be a positive number, got ${String(value)}`);
}
