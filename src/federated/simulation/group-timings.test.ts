/** A group's updates share its message legs evenly, and their times add up to the group's path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OVERHEAD_PARTS } from '../server/update-overhead.js';
import { groupTimings, type MeasuredUpdate } from './group-timings.js';
import type { WorkerFitTiming } from './worker-protocol.js';

/** A client's worker timing from its start and end (ms on the shared clock) and its training seconds; the rest of its span is batching. */
function worker(receivedAt: number, repliedAt: number, previousReplyAt: number, training: number): WorkerFitTiming {
  const span = (repliedAt - receivedAt) / 1000;
  return { receivedAt, repliedAt, previousReplyAt, slicing: 0, setup: 0.001, batching: span - training - 0.001, training, readOut: 0 };
}

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('groupTimings', () => {
  it('splits the legs to the worker and back evenly over a group of three, whose updates add up to its path', () => {
    // Posted at 1000 ms to an idle worker, started at 1002; clients 1002-1012, 1012.5-1022, 1022-1032; reply read at 1036.
    const clients: MeasuredUpdate[] = [
      { timing: worker(1002, 1012, Number.NEGATIVE_INFINITY, 0.009), send: 0.0002, receive: 0.0001 },
      { timing: worker(1012.5, 1022, 1012, 0.009), send: 0.0002, receive: 0.0001 },
      { timing: worker(1022, 1032, 1022, 0.009), send: 0.0002, receive: 0.0001 },
    ];

    const t = groupTimings({ postedAt: 1000, arrivedAt: 1036 }, clients);

    assert.equal(t.length, 3);
    close(t[0].parts.toWorker, 0.002 / 3, 'first client: a third of the 2 ms leg in');
    close(t[1].parts.toWorker, 0.002 / 3 + 0.0005, 'second client: its third and its own 0.5 ms wait for the first');
    for (const u of t) close(u.parts.toMain, 0.004 / 3, 'a third of the 4 ms leg back');
    close(t.reduce((s, u) => s + u.totalSeconds, 0), 3 * 0.0002 + 0.036 + 3 * 0.0001, 'the updates add up to the sends, the 36 ms round trip and the receives');
    for (const u of t) close(u.trainingSeconds + OVERHEAD_PARTS.reduce((s, k) => s + u.parts[k], 0), u.totalSeconds, 'training and parts make the update');
  });

  it('starts a task posted ahead to a busy worker when that worker posted its previous reply', () => {
    const [u] = groupTimings({ postedAt: 1000, arrivedAt: 1030 }, [{ timing: worker(1021, 1029, 1020, 0.007), send: 0, receive: 0 }]);

    close(u.parts.toWorker, 0.001, 'from the previous reply at 1020, not the post at 1000');
    close(u.parts.toMain, 0.001, 'one leg back, all its own');
    close(u.totalSeconds, 0.010, 'path from 1020 to 1030');
  });

  it('has nothing to share when no client of the group was measured', () => {
    assert.deepEqual(groupTimings({ postedAt: 0, arrivedAt: 1 }, []), []);
  });
});
