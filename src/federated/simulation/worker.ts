/**
 * A simulation worker thread: trains and evaluates virtual clients one task at a time, on its
 * own tfjs backend, reading the shared training data. Started by WorkerPool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../engine/backend.js';
import { subset, type Dataset } from '../../data/dataset.js';
import { JointlyError, messageOf } from '../../errors.js';
import { LocalTrainer } from '../client/local-trainer.js';
import { poisonLabels, poisonUpdate } from './poison.js';
import { threadClock, type ErrorMessage, type FitGroupResultMessage, type FitResultMessage, type FitTask, type WorkerFitTiming, type WorkerInit, type WorkerReply, type WorkerTask } from './worker-protocol.js';

/** Most spare reply buffers a worker keeps (a group's worth; the pool hands out one per client). */
const MAX_SPARE = 8;

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('worker.ts must run in a worker thread');
  const init = workerData as WorkerInit;
  // Before the backend loads: workers already run in parallel, so each gets its share of the cores.
  process.env.JOINTLY_THREADS = String(init.threads);
  const choice = await selectBackend(init.backend);
  const trainer = new LocalTrainer(init.task);
  const train: Dataset = init.train;
  const test: Dataset = init.test;
  const post = (msg: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
  // Memory of earlier replies handed back by the pool (FitGroupTask.spare), for the next ones.
  const spare: ArrayBuffer[] = [];
  const paramBytes = trainer.size * Float32Array.BYTES_PER_ELEMENT;
  const keepSpare = (buffers: readonly ArrayBuffer[]): void => {
    for (const b of buffers) if (b.byteLength === paramBytes && spare.length < MAX_SPARE && !spare.includes(b)) spare.push(b);
  };

  // An honest client, and the pooled baseline (on the rows the main thread chose), read their rows
  // of the shared training set in place; a malicious one gets a copy, whose labels it poisons.
  const dataOf = (task: Omit<FitTask, 'id'>): { data: Dataset; rows?: Int32Array } => {
    const rows = task.client < 0 ? init.pooledRows : init.clients[task.client];
    if (task.attack === undefined) return rows === undefined ? { data: train } : { data: train, rows };
    return { data: poisonLabels(task.attack, rows === undefined ? train : subset(train, rows)) };
  };

  /**
   * Trains one client; `previousAt`: threadClock() of the end of what this worker did before (its
   * last reply, or the group's previous client). The result, or the task's error, with the buffers
   * to move.
   */
  const fitOne = async (task: Omit<FitTask, 'id'>, previousAt: number): Promise<{ result: Omit<FitResultMessage, 'id'> | Omit<ErrorMessage, 'id'>; transfer: ArrayBuffer[] }> => {
    const reuse = spare.pop();
    const paramsInto = reuse === undefined ? undefined : new Float32Array(reuse);
    try {
      const receivedAt = threadClock();
      const received = performance.now();
      const data = dataOf(task);
      const sliced = performance.now();
      const result = await trainer.fit({
        ...data,
        clientId: task.clientId,
        global: task.global,
        config: task.config,
        extras: task.extras,
        clientState: task.clientState,
        ...(paramsInto === undefined ? {} : { paramsInto }),
      });
      const fitted = performance.now();
      const params = task.attack === undefined ? result.params : poisonUpdate(task.attack, task.global, result.params, { seed: task.attackRound?.seed ?? 0, clientId: task.clientId, round: task.attackRound?.round ?? 0 });
      const vectors: ArrayBufferView[] = [params, ...Object.values(result.extras), ...Object.values(result.clientState), ...(result.encoded === undefined ? [] : [result.encoded])];
      // A reply that does not carry the reused memory (poisoned, or replaced by an update transform) leaves it for the next.
      if (reuse !== undefined && !vectors.some((v) => v.buffer === reuse)) keepSpare([reuse]);
      // Each buffer once: transferring one twice throws.
      const transfer = [...new Set(vectors.map((v) => v.buffer as ArrayBuffer))];
      const encoded = result.encoded === undefined ? {} : { encoded: result.encoded };
      const t = result.timing;
      const replying = performance.now();
      const timing: WorkerFitTiming = {
        receivedAt,
        repliedAt: receivedAt + (replying - received),
        previousReplyAt: previousAt,
        slicing: (sliced - received) / 1000,
        setup: t.setupSeconds,
        batching: t.batchingSeconds,
        training: t.trainingSeconds,
        // Everything after the training steps: the trainer's read-out, then this thread's poisoning and reply.
        readOut: t.readOutSeconds + (replying - fitted) / 1000,
      };
      return { result: { kind: 'fit', params, numExamples: result.numExamples, metrics: result.metrics, extras: result.extras, clientState: result.clientState, ...encoded, timing }, transfer };
    } catch (err) {
      if (reuse !== undefined) keepSpare([reuse]);
      const j = err instanceof JointlyError ? err : undefined;
      return { result: { kind: 'error', code: j?.code, message: messageOf(err), hint: j?.hint }, transfer: [] };
    }
  };

  // threadClock() of this worker's last reply: the time from it to a task that was already waiting is the task message's.
  let previousReplyAt = Number.NEGATIVE_INFINITY;
  const handle = async (task: WorkerTask): Promise<void> => {
    try {
      if (task.kind === 'fit') {
        const { result, transfer } = await fitOne(task, previousReplyAt);
        previousReplyAt = result.kind === 'fit' ? result.timing.repliedAt : threadClock();
        post({ ...result, id: task.id }, transfer);
      } else if (task.kind === 'fitGroup') {
        keepSpare(task.spare ?? []);
        const results: FitGroupResultMessage['results'] = [];
        const transfer: ArrayBuffer[] = [];
        let previousAt = previousReplyAt;
        for (const one of task.tasks) {
          const done = await fitOne(one, previousAt);
          results.push(done.result);
          transfer.push(...done.transfer);
          previousAt = done.result.kind === 'fit' ? done.result.timing.repliedAt : threadClock();
        }
        previousReplyAt = threadClock();
        // Each buffer once, also when two clients' results share one.
        post({ kind: 'fitGroup', id: task.id, results }, [...new Set(transfer)]);
      } else {
        const data = task.client < 0 ? test : subset(train, init.clientTests[task.client]);
        const scores = trainer.evaluate(task.params, data);
        previousReplyAt = threadClock();
        post({ kind: 'evaluate', id: task.id, loss: scores.loss, accuracy: scores.accuracy, numExamples: scores.numExamples });
      }
    } catch (err) {
      const j = err instanceof JointlyError ? err : undefined;
      previousReplyAt = threadClock();
      post({ kind: 'error', id: task.id, code: j?.code, message: messageOf(err), hint: j?.hint });
    }
  };
  // The pool may post a task while this worker runs one: tasks run one at a time, in order (they share the model).
  let running: Promise<void> = Promise.resolve();
  port.on('message', (task: WorkerTask) => {
    running = running.then(() => handle(task));
  });
  post({ kind: 'ready', backend: choice.name });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ kind: 'error', id: -1, message: `worker failed to start: ${messageOf(err)}` } satisfies WorkerReply);
});
