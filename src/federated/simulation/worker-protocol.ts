/**
 * Messages between the simulation's main thread and its worker threads. The training data is
 * shared (SharedArrayBuffer), never copied per task; parameters are transferred.
 */
import { sharedCopy } from '../../data/share-fields.js';
import type { ParsedClientTrainConfig } from '../client-config.js';
import type { Vectors } from '../strategy.js';
import type { FederatedTask } from '../task.js';

/** A dataset whose arrays live in SharedArrayBuffers, readable by every worker without a copy. */
export interface SharedDataset {
  features: Float32Array;
  labels: Int32Array;
  sampleShape: number[];
  numClasses: number;
}

/** What every worker is started with: the task, its backend and threads, and the shared data. */
export interface WorkerInit {
  task: FederatedTask;
  backend: string;
  /** Threads of each worker's native kernels: the cores shared out between the workers. */
  threads: number;
  train: SharedDataset;
  test: SharedDataset;
  /** Training-sample indices of every simulated client (shared). */
  clients: Int32Array[];
  /** Held-out sample indices of every client, for federated evaluation (empty arrays when none). */
  clientTests: Int32Array[];
  /** The training rows of the pooled baseline, in its order (undefined: every row, as stored). */
  pooledRows?: Int32Array;
}

/** How a malicious client misbehaves (an attack spec, validated by the attack registry). */
export type AttackSpecValue = { type: string } & Record<string, unknown>;

export interface FitTask {
  kind: 'fit';
  id: number;
  /** Client index into `WorkerInit.clients`, or -1 for all training data pooled (the pooled baseline). */
  client: number;
  clientId: string;
  global: Float32Array;
  config: ParsedClientTrainConfig;
  extras: Vectors;
  /** The client's per-client algorithm state (see `LocalFitInput.clientState`). */
  clientState?: Vectors;
  /** Set for malicious clients. */
  attack?: AttackSpecValue;
  /** Run seed and round, for the attack's randomness. */
  attackRound?: { seed: number; round: number };
}

export interface EvaluateTask {
  kind: 'evaluate';
  id: number;
  params: Float32Array;
  /** Client index (its held-out split), or -1 for the global test set. */
  client: number;
}

/**
 * Several clients' fit tasks of one round, run back to back by one worker and answered by one
 * message: one wake-up and one message each way for the group instead of one per client. The
 * clients may share one `global` array (read only: no task writes it), sent once.
 */
export interface FitGroupTask {
  kind: 'fitGroup';
  id: number;
  tasks: Omit<FitTask, 'id'>[];
  /**
   * The memory of earlier replies' parameters, moved back to the worker once their round was
   * aggregated: the worker reads trained parameters into them instead of new arrays, whose pages
   * the kernel would map and zero again (a quarter of a millisecond per 6.6 MB reply).
   */
  spare?: ArrayBuffer[];
}

export type WorkerTask = FitTask | FitGroupTask | EvaluateTask;

export interface FitResultMessage {
  kind: 'fit';
  id: number;
  params: Float32Array;
  numExamples: number;
  metrics: Record<string, number>;
  extras: Vectors;
  /** The entries of the client's algorithm state that the round changed. */
  clientState: Vectors;
  /** The compressed update, when the round compresses (the pool decodes it). */
  encoded?: Uint8Array;
  /** Where the task's time went in the worker. */
  timing: WorkerFitTiming;
}

/**
 * One fit task in the worker: when it started and ended on the {@link threadClock}, when the worker's
 * previous reply was posted (a task that arrived earlier waited for that one, not for the messages),
 * and the seconds of the parts of the task, which add up to `repliedAt − receivedAt` within the
 * clock's resolution.
 */
export interface WorkerFitTiming {
  /** threadClock() when the worker started the task (its message received and decoded). */
  receivedAt: number;
  /** threadClock() just before the reply was posted. */
  repliedAt: number;
  /** threadClock() when this worker posted its previous reply (-Infinity for its first task). */
  previousReplyAt: number;
  /** Seconds: the client's data picked from the shared training set (a malicious client's rows copied out and poisoned). */
  slicing: number;
  /** Seconds: weights loaded, optimizer and client algorithms started (`LocalFitTiming.setupSeconds`). */
  setup: number;
  /** Seconds: batches built (`LocalFitTiming.batchingSeconds`). */
  batching: number;
  /** Seconds: the training steps (`LocalFitTiming.trainingSeconds`). */
  training: number;
  /** Seconds: parameters read out, the algorithms' finish, the update transforms, poisoning, the reply assembled. */
  readOut: number;
}

/**
 * Milliseconds on a clock that the main thread and the workers share (the epoch-based time origin
 * of each thread plus its monotonic `performance.now()`), so that a message's time in transit can
 * be read from a send time on one thread and a receive time on the other.
 */
export function threadClock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The answer to a {@link FitGroupTask}: each client's result or error, in the group's order. An
 * element's `timing` spans that client alone (`previousReplyAt` of the second and later ones is the
 * end of the one before); the leg back to the main thread starts where the last one ends.
 */
export interface FitGroupResultMessage {
  kind: 'fitGroup';
  id: number;
  results: (Omit<FitResultMessage, 'id'> | Omit<ErrorMessage, 'id'>)[];
}

export interface EvaluateResultMessage {
  kind: 'evaluate';
  id: number;
  loss: number;
  accuracy: number;
  numExamples: number;
}

export interface ErrorMessage {
  kind: 'error';
  id: number;
  code?: string;
  message: string;
  hint?: string;
}

export interface ReadyMessage {
  kind: 'ready';
  backend: string;
}

export type WorkerReply = FitResultMessage | FitGroupResultMessage | EvaluateResultMessage | ErrorMessage | ReadyMessage;

/**
 * Copies a dataset into shared memory: its rows as they are, or in `order` (`order[i]`: the row
 * stored at position i, a permutation of the rows, as clientLayout makes it).
 */
export function shareDataset(ds: { features: Float32Array; labels: Int32Array; sampleShape: readonly number[]; numClasses: number }, order?: Int32Array): SharedDataset {
  const shape = { sampleShape: [...ds.sampleShape], numClasses: ds.numClasses };
  if (order === undefined) return { features: sharedCopy(ds.features), labels: sharedCopy(ds.labels), ...shape };
  const rows = ds.labels.length;
  if (order.length !== rows) throw new RangeError(`shareDataset: an order of ${order.length} rows for a dataset of ${rows}`);
  const width = rows === 0 ? 0 : ds.features.length / rows;
  const features = new Float32Array(new SharedArrayBuffer(ds.features.byteLength));
  const labels = new Int32Array(new SharedArrayBuffer(ds.labels.byteLength));
  for (let i = 0; i < rows; i++) {
    const r = order[i];
    features.set(ds.features.subarray(r * width, (r + 1) * width), i * width);
    labels[i] = ds.labels[r];
  }
  return { features, labels, ...shape };
}
