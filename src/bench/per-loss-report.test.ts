import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPerLossTable, formatRoundMeans, perLossResults, readTorchRound, summarizePerLoss, torchRoundArgs, type PerLossMode, type PerLossResult } from './per-loss-report.js';

/** The script's output for one round, as scripts/bench-pytorch-per-loss.py prints it (trimmed). */
const scriptOutput = (heads: number, means: Record<PerLossMode, number>): unknown => ({
  torch: '1.13.0a0',
  threads: 1,
  openblasThreadsEnv: '1',
  mkldnn: true,
  batch: 64,
  mallocEnv: { MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '1073741824' },
  rounds: 1,
  steps: 20,
  seconds: null,
  warmup: 3,
  blas: { libraries: ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3'], openblas: true, openblasCore: 'Haswell', openblasThreads: 1 },
  check: [],
  results: [{ heads, msPerStep: means, roundMeans: { summed: [means.summed], 'per-loss': [means['per-loss']], 'K passes': [means['K passes']] }, perLossOverSummed: means['per-loss'] / means.summed }],
});

test('one PyTorch round: its heads, threads and budget, the check only when asked', () => {
  assert.deepEqual(torchRoundArgs({ heads: 2, threads: 1, steps: 20, seconds: null, check: true }), ['--heads', '2', '--threads', '1', '--rounds', '1', '--steps', '20']);
  assert.deepEqual(torchRoundArgs({ heads: 4, threads: 2, steps: 20, seconds: 1.5, check: false }), ['--heads', '4', '--threads', '2', '--rounds', '1', '--seconds', '1.5', '--no-check']);
});

test("the script's output is read for the head count asked for", () => {
  const r = readTorchRound(scriptOutput(2, { summed: 10.2, 'per-loss': 13, 'K passes': 20.5 }), 2);

  assert.ok('roundMeans' in r);
  assert.deepEqual(r.roundMeans, { summed: [10.2], 'per-loss': [13], 'K passes': [20.5] });
  assert.equal(r.output.torch, '1.13.0a0');
});

test("the script's skip (torch not installed) and outputs without the numbers are told apart", () => {
  assert.deepEqual(readTorchRound({ skipped: 'PyTorch is not installed for /usr/bin/python3' }, 2), { skipped: 'PyTorch is not installed for /usr/bin/python3' });
  assert.deepEqual(readTorchRound(null, 2), { error: 'its output is not a JSON object' });
  assert.deepEqual(readTorchRound({ check: [] }, 2), { error: 'its output has no results' });
  assert.deepEqual(readTorchRound(scriptOutput(4, { summed: 1, 'per-loss': 2, 'K passes': 3 }), 2), { error: 'its output has no result for 2 heads' });
  const broken = scriptOutput(2, { summed: 1, 'per-loss': 2, 'K passes': 3 }) as { results: { roundMeans: Record<string, unknown> }[] };
  broken.results[0].roundMeans['K passes'] = [Number.NaN];
  assert.deepEqual(readTorchRound(broken, 2), { error: 'its result for 2 heads has no round means of K passes' });
});

test('medians over the rounds per head count and mode; a head count without rounds is left out', () => {
  const means = new Map([[2, { summed: [4, 5, 3], 'per-loss': [6, 7], 'K passes': [30] }]]);

  const results = perLossResults([2, 4], means);

  assert.deepEqual(results, [
    { heads: 2, mode: 'summed', msPerStep: 4, roundMeans: [4, 5, 3] },
    { heads: 2, mode: 'per-loss', msPerStep: 6.5, roundMeans: [6, 7] },
    { heads: 2, mode: 'K passes', msPerStep: 30, roundMeans: [30] },
  ]);
});

/** Both sides' results for `heads` at the given medians. */
const results = (heads: number, summed: number, perLoss: number, kPasses: number): PerLossResult[] => [
  { heads, mode: 'summed', msPerStep: summed, roundMeans: [summed] },
  { heads, mode: 'per-loss', msPerStep: perLoss, roundMeans: [perLoss] },
  { heads, mode: 'K passes', msPerStep: kPasses, roundMeans: [kPasses] },
];

test('the summary has both sides per head count and the per-loss ratio between them; PyTorch null where it has no rounds', () => {
  const rows = summarizePerLoss([2, 4], [...results(2, 4, 6, 30), ...results(4, 5, 10, 50)], results(2, 10, 13, 20));

  assert.deepEqual(rows[0], {
    heads: 2,
    jointly: { summed: 4, perLoss: 6, kPasses: 30, perLossOverSummed: 1.5, kPassesOverSummed: 7.5 },
    pytorch: { summed: 10, perLoss: 13, kPasses: 20, perLossOverSummed: 1.3, kPassesOverSummed: 2 },
    perLossJointlyOverPytorch: 6 / 13,
  });
  assert.equal(rows[1].pytorch, null);
  assert.equal(rows[1].perLossJointlyOverPytorch, null);
});

test("the table puts PyTorch's summed and per-loss ms and their ratio beside jointly's", () => {
  const rows = summarizePerLoss([2, 4], [...results(2, 4.1, 6.3, 29.6), ...results(4, 4.5, 10.5, 46.4)], [...results(2, 10.2, 13, 20), ...results(4, 10.4, 18.6, 40)]);

  const lines = formatPerLossTable(rows, true).split('\n');

  assert.equal(lines.length, 4);
  assert.match(lines[0], /^heads +summed ms +per-loss ms +per-loss\/summed +K passes ms +K passes\/summed +PyTorch summed ms +PyTorch per-loss ms +PyTorch per-loss\/summed$/);
  assert.match(lines[1], /^─+/);
  assert.deepEqual(lines[2].trim().split(/ +/), ['2', '4.1', '6.3', '1.54×', '29.6', '7.22×', '10.2', '13.0', '1.27×']);
  assert.deepEqual(lines[3].trim().split(/ +/), ['4', '4.5', '10.5', '2.33×', '46.4', '10.31×', '10.4', '18.6', '1.79×']);
});

test('without PyTorch the table has jointly\'s columns only; a head count PyTorch missed shows dashes', () => {
  const jointlyOnly = formatPerLossTable(summarizePerLoss([2], results(2, 4, 6, 30), []), false).split('\n');
  const partial = formatPerLossTable(summarizePerLoss([2, 4], [...results(2, 4, 6, 30), ...results(4, 5, 10, 50)], results(2, 10, 13, 20)), true).split('\n');

  assert.equal(jointlyOnly[0].includes('PyTorch'), false);
  assert.deepEqual(jointlyOnly[2].trim().split(/ +/), ['2', '4.0', '6.0', '1.50×', '30.0', '7.50×']);
  assert.deepEqual(partial[3].trim().split(/ +/).slice(-3), ['—', '—', '—']);
});

test('a progress line lists every mode in run order', () => {
  assert.equal(formatRoundMeans({ summed: 4.06, 'per-loss': 6.31, 'K passes': 29.6 }), 'summed 4.1 ms, per-loss 6.3 ms, K passes 29.6 ms');
});
