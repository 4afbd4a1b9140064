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
import type { FitTask, WorkerInit, WorkerReply, WorkerTask } from './worker-protocol.js';

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

  // The pooled baseline trains on what the clients train on: without their held-out rows, which
  // it is also scored on.
  const heldOut = init.clientTests.some((t) => t.length > 0);
  const pooled = heldOut ? subset(train, Int32Array.from(init.clients.flatMap((c) => Array.from(c))).sort()) : train;
  const dataOf = (task: FitTask): Dataset => {
    const data = task.client < 0 ? pooled : subset(train, init.clients[task.client]);
    return task.attack === undefined ? data : poisonLabels(task.attack, data);
  };

  port.on('message', (task: WorkerTask) => {
    void (async () => {
      try {
        if (task.kind === 'fit') {
          const result = await trainer.fit({
            data: dataOf(task),
            clientId: task.clientId,
            global: task.global,
            config: task.config,
            extras: task.extras,
            clientState: task.clientState,
          });
          const params = task.attack === undefined ? result.params : poisonUpdate(task.attack, task.global, result.params, { seed: task.attackRound?.seed ?? 0, clientId: task.clientId, round: task.attackRound?.round ?? 0 });
          const vectors: ArrayBufferView[] = [params, ...Object.values(result.extras), ...Object.values(result.clientState), ...(result.encoded === undefined ? [] : [result.encoded])];
          // Each buffer once: transferring one twice throws.
          const transfer = [...new Set(vectors.map((v) => v.buffer as ArrayBuffer))];
          const encoded = result.encoded === undefined ? {} : { encoded: result.encoded };
          post({ kind: 'fit', id: task.id, params, numExamples: result.numExamples, metrics: result.metrics, extras: result.extras, clientState: result.clientState, ...encoded }, transfer);
        } else {
          const data = task.client < 0 ? test : subset(train, init.clientTests[task.client]);
          const scores = trainer.evaluate(task.params, data);
          post({ kind: 'evaluate', id: task.id, loss: scores.loss, accuracy: scores.accuracy, numExamples: scores.numExamples });
        }
      } catch (err) {
        const j = err instanceof JointlyError ? err : undefined;
        post({ kind: 'error', id: task.id, code: j?.code, message: messageOf(err), hint: j?.hint });
      }
    })();
  });
  post({ kind: 'ready', backend: choice.name });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ kind: 'error', id: -1, message: `worker failed to start: ${messageOf(err)}` } satisfies WorkerReply);
});
