/**
 * A fixed set of worker threads with a task queue: each worker runs one task at a time, the
 * next queued task goes to the first idle worker. Used by the simulation to train virtual
 * clients in parallel.
 */
import { Worker } from 'node:worker_threads';
import { JointlyError, type ErrorCode } from '../../errors.js';
import type { EvaluateResultMessage, EvaluateTask, FitResultMessage, FitTask, WorkerInit, WorkerReply, WorkerTask } from './worker-protocol.js';

/** An error raised inside a worker, carried back with its code. */
class WorkerTaskError extends JointlyError {
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

interface Pending {
  task: WorkerTask;
  transfer: ArrayBuffer[];
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
}

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
        const slot: Slot = { worker, busy: undefined };
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

  fit(task: WithoutId<FitTask>, transfer: ArrayBuffer[] = []): Promise<FitResultMessage> {
    return this.run(task, transfer) as Promise<FitResultMessage>;
  }

  evaluate(task: WithoutId<EvaluateTask>): Promise<EvaluateResultMessage> {
    return this.run(task, []) as Promise<EvaluateResultMessage>;
  }

  private run(task: WithoutId<WorkerTask>, transfer: ArrayBuffer[]): Promise<WorkerReply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ } as WorkerTask, transfer, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy !== undefined) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      slot.busy = next;
      slot.worker.postMessage(next.task, next.transfer);
    }
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    const pending = slot.busy;
    slot.busy = undefined;
    if (pending !== undefined) {
      if (msg.kind === 'error') {
        pending.reject(msg.code === undefined ? new Error(msg.message) : new WorkerTaskError(msg.code as ErrorCode, msg.message, msg.hint));
      }
      else pending.resolve(msg);
    }
    this.dispatch();
  }

  private onCrash(slot: Slot, err: Error): void {
    if (this.closing) return;
    this.failure ??= err;
    slot.busy?.reject(err);
    slot.busy = undefined;
    for (const p of this.queue.splice(0)) p.reject(err);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
