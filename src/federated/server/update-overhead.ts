/**
 * Where the time of client updates goes: in the training steps themselves, or outside them on the
 * update's path (copies of the parameters, messages between threads, slicing the client's rows,
 * building batches, loading and reading out the model's weights, validating the reply). Measured by
 * the runtime that trains the clients (the simulation's worker threads; a networked server cannot
 * see inside its clients), summed per round and per run. Pure.
 */

/** Seconds outside the training steps, by where they go, summed over client updates. */
export interface OverheadParts {
  /** Main thread: the global parameters and the client's vectors copied into the task. */
  send: number;
  /**
   * The task's message to the worker: posting it (structured clone; the parameters are moved, not
   * copied), decoding it there, and the worker's event loop reaching it. A task posted ahead to a
   * busy worker counts from the moment that worker was free. A task of several clients (the
   * simulation groups them, see `simulation/client-groups.ts`) shares its message evenly among
   * them; a later client of the group adds its wait for the one before.
   */
  toWorker: number;
  /** Worker: the client's data picked from the shared training set (its rows, read in place; a malicious client's copied out and their labels poisoned). */
  slicing: number;
  /** Worker: the tensors of every step's batch built from the client's rows. */
  batching: number;
  /** Worker: the global parameters loaded into the model, a fresh optimizer, the client algorithms started. */
  setup: number;
  /** Worker: the trained parameters read out of the model, the client algorithms' finish, the update transforms, poisoning. */
  readOut: number;
  /**
   * The reply's message to the main thread: posting it (its vectors moved), decoding it, and the
   * main thread's event loop reaching it, shared evenly by the clients of a group's reply. While it
   * travels, the worker already runs its next task.
   */
  toMain: number;
  /** Main thread: the reply validated and decoded as a networked server does. */
  receive: number;
}

/** The names of {@link OverheadParts}, in the order of an update's path. */
export const OVERHEAD_PARTS: readonly (keyof OverheadParts)[] = ['send', 'toWorker', 'slicing', 'batching', 'setup', 'readOut', 'toMain', 'receive'];

/** One client update's times, in seconds. */
export interface UpdateTiming {
  /**
   * The update's whole path, measured apart from its parts: the main thread preparing the task, the
   * round trip from posting it to the worker until its reply arrives, and the main thread's work on
   * the reply. A wait for a free worker is not part of it.
   */
  totalSeconds: number;
  /** The training steps themselves (forward, backward, optimizer update, the client algorithms' per-step hooks). */
  trainingSeconds: number;
  /** The rest of the path, by part. */
  parts: OverheadParts;
}

/**
 * Client updates' time in and outside training, summed over a round's updates (a round record's
 * `overhead`) or a run's. `trainingSeconds + outsideSeconds` is, within the instrumentation's
 * resolution, `totalSeconds`.
 */
export interface UpdateOverhead {
  /** Client updates measured: replies received, valid or not (a task that failed in its worker is not measured). */
  updates: number;
  /** Sum of the updates' {@link UpdateTiming.totalSeconds}. */
  totalSeconds: number;
  /** Sum of the updates' seconds in the training steps. */
  trainingSeconds: number;
  /** Sum of the updates' seconds outside them: the sum of `parts`. */
  outsideSeconds: number;
  /** `outsideSeconds / (trainingSeconds + outsideSeconds)`, from 0 to 1; 0 when nothing was measured. */
  share: number;
  /** Where `outsideSeconds` goes. */
  parts: OverheadParts;
}

function zeroParts(): OverheadParts {
  return { send: 0, toWorker: 0, slicing: 0, batching: 0, setup: 0, readOut: 0, toMain: 0, receive: 0 };
}

function withShare(o: Omit<UpdateOverhead, 'share'>): UpdateOverhead {
  const measured = o.trainingSeconds + o.outsideSeconds;
  return { ...o, share: measured > 0 ? Math.min(1, Math.max(0, o.outsideSeconds / measured)) : 0 };
}

/** The overhead of a set of updates (a round's). */
export function updateOverhead(timings: readonly UpdateTiming[]): UpdateOverhead {
  return sumOverheads(
    timings.map((t) => {
      // A part is a difference of clock readings: never below zero, even at the clock's resolution.
      const parts = zeroParts();
      for (const k of OVERHEAD_PARTS) parts[k] = Math.max(0, t.parts[k]);
      return withShare({ updates: 1, totalSeconds: t.totalSeconds, trainingSeconds: t.trainingSeconds, outsideSeconds: OVERHEAD_PARTS.reduce((s, k) => s + parts[k], 0), parts });
    }),
  );
}

/** The overhead of several rounds together (a run's): the sums, and the share of the sums. */
export function sumOverheads(list: readonly UpdateOverhead[]): UpdateOverhead {
  const parts = zeroParts();
  let updates = 0;
  let totalSeconds = 0;
  let trainingSeconds = 0;
  for (const o of list) {
    updates += o.updates;
    totalSeconds += o.totalSeconds;
    trainingSeconds += o.trainingSeconds;
    for (const k of OVERHEAD_PARTS) parts[k] += o.parts[k];
  }
  return withShare({ updates, totalSeconds, trainingSeconds, outsideSeconds: OVERHEAD_PARTS.reduce((s, k) => s + parts[k], 0), parts });
}

/**
 * The overhead in a few words, e.g. `overhead 2.1% (0.15 s of 7.2 s in 100 updates; most in toWorker 0.06 s)`:
 * the share, the seconds outside training and in all, and the largest part.
 */
export function overheadText(o: UpdateOverhead): string {
  const largest = OVERHEAD_PARTS.reduce((a, b) => (o.parts[b] > o.parts[a] ? b : a));
  const seconds = (s: number): string => `${s < 0.1 ? s.toFixed(3) : s.toFixed(2)} s`;
  return `overhead ${(o.share * 100).toFixed(1)}% (${seconds(o.outsideSeconds)} of ${seconds(o.trainingSeconds + o.outsideSeconds)} in ${o.updates} update${o.updates === 1 ? '' : 's'}; most in ${largest} ${seconds(o.parts[largest])})`;
}
