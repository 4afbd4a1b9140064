/**
 * A fixed set of worker threads with a task queue: each worker runs one task at a time, the
 * next queued task goes to the first idle worker. Used by the simulation to train virtual
 * clients in parallel.
 */
import { Worker } from 'node:worker_threads';
import { JointlyError, type ErrorCode } from '../../errors.js';
import { threadClock, type EvaluateResultMessage, type EvaluateTask, type FitGroupResultMessage, type FitGroupTask, type FitResultMessage, type FitTask, type WorkerInit, type WorkerReply, type WorkerTask } from './worker-protocol.js';

/** An error raised inside a worker, carried back with its code. */
class WorkerTaskError extends JointlyError {
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

interface Pending {
  task: WorkerTask;
  transfer: ArrayBuffer[];
  resolve: (r: Timed<WorkerReply>) => void;
  reject: (e: Error) => void;
  /** threadClock() when the task was posted to its worker. */
  postedAt: number;
}

/**
 * A worker's reply with the main thread's ends of its journey, on the shared {@link threadClock}:
 * `postedAt` just before the task was posted to its worker (a wait in the pool's queue is before
 * it), `arrivedAt` when the reply's handler ran on the main thread.
 */
export type Timed<T> = T & { postedAt: number; arrivedAt: number };

interface Slot {
  worker: Worker;
  /** The tasks posted to this worker and not answered yet, oldest first (it runs them in order). */
  inFlight: Pending[];
}

/**
 * Tasks a worker holds at most: the one it runs and the next, already posted, so that it starts the
 * next without waiting for a message from the main thread (which may be busy, or not scheduled).
 */
const DEPTH = 2;
/** Distributive Omit: keeps each union member's own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  private closing = false;
  /** The backend each worker reported when it started. */
  backend = '';

  private constructor() {}

  /** Starts `size` workers and waits until each has loaded its backend. */
  static async start(size: number, init: WorkerInit): Promise<WorkerPool> {
    const pool = new WorkerPool();
    const url = new URL('./worker.js', import.meta.url);
    await Promise.all(
      Array.from({ length: size }, async () => {
        const worker = new Worker(url, { workerData: init });
        const slot: Slot = { worker, inFlight: [] };
        pool.slots.push(slot);
        await new Promise<void>((resolve, reject) => {
          const onMessage = (msg: WorkerReply): void => {
            if (msg.kind === 'ready') {
              pool.backend = msg.backend;
              worker.off('message', onMessage);
              worker.on('message', (m: WorkerReply) => pool.onReply(slot, m));
              resolve();
            } else if (msg.kind === 'error') {
              reject(new Error(msg.message));
            }
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
        });
        worker.on('error', (err) => pool.onCrash(slot, err));
        worker.on('exit', (code) => {
          if (code !== 0) pool.onCrash(slot, new Error(`a simulation worker exited with code ${code}`));
        });
      }),
    );
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Queues a fit task; `transfer`: buffers of the task moved to the worker instead of copied (unusable here afterwards). */
  fit(task: WithoutId<FitTask>, transfer: ArrayBuffer[] = []): Promise<Timed<FitResultMessage>> {
    return this.run(task, transfer) as Promise<Timed<FitResultMessage>>;
  }

  /**
   * Queues several clients' fit tasks as one, run back to back by one worker and answered together;
   * a client's error is its element of the reply, not a rejection. `transfer`: as for {@link fit}
   * (a `global` the tasks share is listed once). `spare`: earlier replies' memory for the worker to
   * read these replies into (FitGroupTask.spare; list them in `transfer` too).
   */
  fitGroup(tasks: Omit<FitTask, 'id'>[], transfer: ArrayBuffer[] = [], spare: ArrayBuffer[] = []): Promise<Timed<FitGroupResultMessage>> {
    return this.run({ kind: 'fitGroup', tasks, ...(spare.length === 0 ? {} : { spare }) } satisfies WithoutId<FitGroupTask>, transfer) as Promise<Timed<FitGroupResultMessage>>;
  }

  /** Queues an evaluation task. */
  evaluate(task: WithoutId<EvaluateTask>): Promise<Timed<EvaluateResultMessage>> {
    return this.run(task, []) as Promise<Timed<EvaluateResultMessage>>;
  }

  private run(task: WithoutId<WorkerTask>, transfer: ArrayBuffer[]): Promise<Timed<WorkerReply>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ } as WorkerTask, transfer, resolve, reject, postedAt: 0 });
      this.dispatch();
    });
  }

  /**
   * Every idle worker gets a task; then, while more tasks wait than there are workers, a busy one
   * gets its next. Near the end of the queue a task goes only to a worker that is free, so that the
   * last tasks are not stuck behind a long one while another worker is idle.
   */
  private dispatch(): void {
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const slot of this.slots) {
        if (slot.inFlight.length >= depth) continue;
        if (depth > 1 && this.queue.length <= this.slots.length) return;
        const next = this.queue.shift();
        if (next === undefined) return;
        slot.inFlight.push(next);
        next.postedAt = threadClock();
        slot.worker.postMessage(next.task, next.transfer);
      }
    }
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    const arrivedAt = threadClock();
    // The worker answers its tasks in order: a reply without a task's id (none should come) is the oldest's.
    const at = slot.inFlight.findIndex((p) => msg.kind !== 'ready' && p.task.id === msg.id);
    const pending = slot.inFlight.splice(Math.max(at, 0), 1)[0] as Pending | undefined;
    if (pending !== undefined) {
      if (msg.kind === 'error') {
        pending.reject(msg.code === undefined ? new Error(msg.message) : new WorkerTaskError(msg.code as ErrorCode, msg.message, msg.hint));
      } else pending.resolve({ ...msg, postedAt: pending.postedAt, arrivedAt });
    }
    this.dispatch();
  }

  private onCrash(slot: Slot, err: Error): void {
    if (this.closing) return;
    this.failure ??= err;
    for (const p of slot.inFlight.splice(0)) p.reject(err);
    for (const p of this.queue.splice(0)) p.reject(err);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
