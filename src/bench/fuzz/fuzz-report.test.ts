/** Tests of the fuzzer's Markdown summary: the per-kind table, the oracle's counts, the verdict and failures. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStats } from './fuzzers.js';
import { formatFuzzReport, type FuzzServerReport } from './fuzz-report.js';
import { emptySoakStats } from './soak-load.js';

function report(failures: string[]): FuzzServerReport {
  const pre = { ...emptyStats(), cases: 7, byKind: { bitFlip: 4, textFrame: 3 }, answers: { 'refuse:protocol': 6, welcome: 1 } };
  const post = { ...emptyStats(), cases: 5, byKind: { tensorValues: 5 } };
  const server = { code: 130, signal: null, shutdownSeconds: 0.4, killed: false };
  const probes = { ok: 3, failed: 0, maxMs: 120, failures: {} };
  return {
    date: '2026-01-01T00:00:00.000Z',
    node: 'v20',
    command: 'npm run fuzz:server -- --minutes 1',
    seed: 4,
    maxRssMiB: 600,
    fuzz: { seconds: 60, serverOverrides: { maxPendingPerAddress: 4096 }, preHello: pre, postHello: post, casesPerSecond: 0.2, roundsCompleted: 30, fitRepliesValid: 2, fitRepliesInvalid: 3, fuzzClientAggregated: 1, violations: [], aggregatedInvalid: [], peakRssMiB: 170, probes, server },
    soak: { seconds: 60, calmSeconds: 15, loadSeconds: 45, serverNofile: 1024, idleAddresses: 4, roundsCalm: 10, roundsUnderLoad: 25, roundsExpectedUnderLoad: 30, roundsWithAllHonest: 25, peakRssMiBCalm: 120, peakRssMiB: 150, load: { ...emptySoakStats(), partialClosedByServer: { 1009: 12 } }, probes, server },
    serverRestarts: 0,
    failures,
    verdict: failures.length === 0 ? 'pass' : 'FAIL',
  };
}

test('the summary has the per-kind counts before and after hello, the oracle counts and the soak', () => {
  const md = formatFuzzReport(report([]));
  assert.match(md, /Verdict: \*\*pass\*\*\./);
  assert.match(md, /bitFlip +4 +0\n/);
  assert.match(md, /tensorValues +0 +5\n/);
  assert.match(md, /total +7 +5\n/);
  assert.match(md, /\| rounds that aggregated an invalid reply \| 0 \|/);
  assert.match(md, /\| server restarts \| 0 \|/);
  assert.match(md, /\| rounds calm \/ under load \| 10 \/ 25 \|/);
  assert.match(md, /code 1009: 12/);
  assert.match(md, /exit 130 after SIGTERM in 0\.4 s/);
});

test('a failed run names the failure on the verdict line (first line only) and in full below it', () => {
  const md = formatFuzzReport(report(['fuzz: server died\n  last cases sent before hello: P#9 bitFlip: 1 bit(s) flipped']));
  assert.match(md, /Verdict: \*\*FAIL\*\*: fuzz: server died\.\n/);
  assert.match(md, /```\nfuzz: server died\n {2}last cases sent before hello: P#9 bitFlip/);
});
