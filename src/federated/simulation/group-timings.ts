/**
 * Where the time of a group's client updates went (a group: one worker task of one or more
 * clients, answered by one message; see client-groups.ts), from the main thread's and the worker's
 * clock readings. Pure.
 */
import type { UpdateTiming } from '../server/update-overhead.js';
import type { Timed } from './worker-pool.js';
import type { FitGroupResultMessage, WorkerFitTiming } from './worker-protocol.js';

/** One client update of a group as measured: the worker's timing, and the main thread's seconds before posting the task and after the reply (its share of them). */
export interface MeasuredUpdate {
  timing: WorkerFitTiming;
  send: number;
  receive: number;
}

/**
 * The times of the updates of one group (one task of one or more clients, answered by one
 * message), from the main thread's spans (`send`, `receive`: seconds before posting the task and
 * after its reply, per client) and the worker's. The group's path starts when its task could start:
 * when it was posted, or, for a task posted ahead to a busy worker, when that worker posted its
 * previous reply. The messages' legs to the worker and back are shared evenly by the group's
 * updates; a later client's wait for the one before it ended (nothing, in practice) is its own.
 * The updates' `totalSeconds` add up to the group's path.
 */
export function groupTimings(reply: Pick<Timed<FitGroupResultMessage>, 'postedAt' | 'arrivedAt'>, clients: readonly MeasuredUpdate[]): UpdateTiming[] {
  if (clients.length === 0) return [];
  const k = clients.length;
  const first = clients[0].timing;
  const start = Math.max(reply.postedAt, first.previousReplyAt);
  const inbound = Math.max(0, first.receivedAt - start) / k;
  const outbound = Math.max(0, reply.arrivedAt - clients[k - 1].timing.repliedAt) / k;
  return clients.map(({ timing: w, send, receive }, j) => {
    const toWorker = inbound + (j === 0 ? 0 : Math.max(0, w.receivedAt - w.previousReplyAt));
    return {
      totalSeconds: send + (toWorker + (w.repliedAt - w.receivedAt) + outbound) / 1000 + receive,
      trainingSeconds: w.training,
      parts: { send, toWorker: toWorker / 1000, slicing: w.slicing, batching: w.batching, setup: w.setup, readOut: w.readOut, toMain: outbound / 1000, receive },
    };
  });
}
