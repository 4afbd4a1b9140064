/**
 * The order of an interleaved benchmark and the arithmetic around it (pure): which measurement
 * runs when, medians over repetitions, and how long the rest will take.
 *
 * Interleaving (jointly, PyTorch, jointly, PyTorch, ...) rather than running all of one side and
 * then all of the other keeps a slow drift of the machine (another job starting, thermal limits)
 * from landing on one side only: each repetition of one side has a neighbour of the other.
 */

/** One measurement of the schedule. */
export interface ScheduleItem<S extends string> {
  model: string;
  threads: number;
  /** 0-based repetition. */
  repeat: number;
  side: S;
}

/** What to schedule. */
export interface ScheduleOptions<S extends string> {
  models: readonly string[];
  threads: readonly number[];
  /** Repetitions of every (model, threads, side), at least 1. */
  repeats: number;
  /** The sides measured for `model`, in the order they alternate within a repetition. */
  sides: (model: string) => readonly S[];
}

/**
 * Every measurement in run order: for each thread count, for each model, `repeats` rounds of
 * every side in turn (side A, side B, side A, side B, ...).
 */
export function interleavedSchedule<S extends string>(opts: ScheduleOptions<S>): ScheduleItem<S>[] {
  if (!Number.isInteger(opts.repeats) || opts.repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${opts.repeats}`);
  const out: ScheduleItem<S>[] = [];
  for (const threads of opts.threads) {
    for (const model of opts.models) {
      const sides = opts.sides(model);
      for (let repeat = 0; repeat < opts.repeats; repeat++) {
        for (const side of sides) out.push({ model, threads, repeat, side });
      }
    }
  }
  return out;
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** How long one finished measurement was expected to take and took, in seconds. */
export interface Elapsed {
  expected: number;
  actual: number;
}

/**
 * Seconds the remaining measurements will take: their expected durations, scaled by how the
 * finished ones compared with theirs (actual / expected; 1 before anything finished).
 */
export function estimateRemainingSeconds(done: readonly Elapsed[], remainingExpected: readonly number[]): number {
  const expected = done.reduce((a, d) => a + d.expected, 0);
  const actual = done.reduce((a, d) => a + d.actual, 0);
  const scale = expected > 0 ? actual / expected : 1;
  return scale * remainingExpected.reduce((a, b) => a + b, 0);
}

/** A duration for a progress line: "40 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
