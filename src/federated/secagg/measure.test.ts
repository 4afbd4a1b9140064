import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureSecAggRound } from './measure.js';

test('measureSecAggRound reports bytes above plain and positive seconds', async () => {
  const m = await measureSecAggRound(10, 1000, 0.1);

  assert.equal(m.k, 8);
  assert.equal(m.t, 5);
  assert.equal(m.dropped, 1);
  assert.equal(m.plainBytesPerClient, 4000);
  // masked vector (4000) + keys + 8 sealed bundles (8 · 101) + shares revealed
  assert.ok(m.bytesPerClient > 4000 + 8 * 101 && m.bytesPerClient < 6000, `bytes ${m.bytesPerClient}`);
  assert.ok(m.clientSeconds > 0 && m.serverSeconds > 0 && m.wallSeconds >= m.serverSeconds);
});
