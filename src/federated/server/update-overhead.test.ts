/** The overhead sums of client updates: per round from single updates, per run from rounds, and in words. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OVERHEAD_PARTS, overheadText, sumOverheads, updateOverhead, type OverheadParts, type UpdateTiming } from './update-overhead.js';

function parts(p: Partial<OverheadParts>): OverheadParts {
  return { send: 0, toWorker: 0, slicing: 0, batching: 0, setup: 0, readOut: 0, toMain: 0, receive: 0, ...p };
}

const A: UpdateTiming = { totalSeconds: 1.1, trainingSeconds: 1, parts: parts({ toWorker: 0.04, toMain: 0.02, batching: 0.04 }) };
const B: UpdateTiming = { totalSeconds: 2.3, trainingSeconds: 2, parts: parts({ send: 0.1, setup: 0.1, receive: 0.1 }) };

describe('updateOverhead', () => {
  it('sums the updates\' training and outside seconds, by part, and gives the share outside', () => {
    const o = updateOverhead([A, B]);

    assert.equal(o.updates, 2);
    assert.ok(Math.abs(o.totalSeconds - 3.4) < 1e-12);
    assert.ok(Math.abs(o.trainingSeconds - 3) < 1e-12);
    assert.ok(Math.abs(o.outsideSeconds - 0.4) < 1e-12);
    assert.ok(Math.abs(o.share - 0.4 / 3.4) < 1e-12);
    assert.ok(Math.abs(o.parts.toWorker - 0.04) < 1e-12 && Math.abs(o.parts.send - 0.1) < 1e-12);
    assert.ok(Math.abs(OVERHEAD_PARTS.reduce((s, k) => s + o.parts[k], 0) - o.outsideSeconds) < 1e-12);
  });

  it('counts a part below zero (clock readings a hair apart) as zero', () => {
    const o = updateOverhead([{ totalSeconds: 1, trainingSeconds: 1, parts: parts({ toMain: -1e-6, receive: 0.01 }) }]);

    assert.equal(o.parts.toMain, 0);
    assert.ok(Math.abs(o.outsideSeconds - 0.01) < 1e-12);
    assert.ok(o.share > 0 && o.share < 0.01);
  });

  it('is zero, not NaN, without updates', () => {
    const o = updateOverhead([]);

    assert.deepEqual([o.updates, o.totalSeconds, o.outsideSeconds, o.share], [0, 0, 0, 0]);
  });
});

describe('sumOverheads', () => {
  it('adds rounds up and takes the share of the sums (not the mean of the shares)', () => {
    const r1 = updateOverhead([A]);
    const r2 = updateOverhead([B, B]);

    const run = sumOverheads([r1, r2]);

    assert.equal(run.updates, 3);
    assert.ok(Math.abs(run.trainingSeconds - 5) < 1e-12);
    assert.ok(Math.abs(run.outsideSeconds - 0.7) < 1e-12);
    assert.ok(Math.abs(run.share - 0.7 / 5.7) < 1e-12);
    assert.ok(Math.abs(run.share - (r1.share + r2.share) / 2) > 1e-3, 'differs from the mean of the rounds\' shares');
  });
});

describe('overheadText', () => {
  it('says the share, the seconds and the largest part', () => {
    assert.equal(overheadText(updateOverhead([A, B])), 'overhead 11.8% (0.40 s of 3.40 s in 2 updates; most in send 0.10 s)');
    assert.match(overheadText(updateOverhead([A])), /^overhead 9\.1% \(0\.100? s of 1\.10 s in 1 update; most in toWorker 0\.040 s\)$/);
  });
});
