import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JointlyError } from '../errors.js';
import { defaultPerLossOptions, parsePerLossOptions } from './per-loss-options.js';
import { aggregationOptions, parseRunAllOptions, partCommand, PARTS, RUN_ALL_FLAGS, runAllUsage, type RunAllOptions } from './run-all-options.js';
import { parseThroughputOptions } from './throughput-options.js';

/** Parses and asserts help was not asked for. */
const parse = (argv: string[]): RunAllOptions => {
  const o = parseRunAllOptions(argv);
  assert.ok(o !== null);
  return o;
};

const isUsage = (err: unknown): boolean => err instanceof JointlyError && (err.code === 'USAGE' || err.code === 'UNKNOWN_NAME');

test('no flags: every part, each with its own defaults, results in bench-results', () => {
  const o = parse([]);

  assert.deepEqual(o.parts, [...PARTS]);
  assert.equal(o.out, 'bench-results');
  assert.deepEqual(partCommand('throughput', o), { part: 'throughput', script: 'throughput.js', args: ['--out', 'bench-results/throughput.json'], env: {}, results: 'bench-results/throughput.json' });
  assert.deepEqual(partCommand('per-loss', o).args, ['--out', 'bench-results/per-loss-step.json']);
  assert.deepEqual(partCommand('per-loss', o).env, {});
  assert.deepEqual(partCommand('federated-scale', o).args, ['--out', 'bench-results']);
  assert.deepEqual(aggregationOptions(o), { out: 'bench-results' });
});

test('--seconds 3 --threads 1 --repeats 2 reach every part they apply to', () => {
  const o = parse(['--seconds', '3', '--threads', '1', '--repeats', '2', '--out', 'tmp/b/']);

  const throughput = partCommand('throughput', o);
  const perLoss = partCommand('per-loss', o);
  const federated = partCommand('federated-scale', o);

  assert.deepEqual(throughput.args, ['--seconds', '3', '--repeats', '2', '--threads', '1', '--out', 'tmp/b/throughput.json']);
  assert.deepEqual(perLoss.args, ['--seconds', '3', '--rounds', '2', '--out', 'tmp/b/per-loss-step.json']);
  assert.deepEqual(perLoss.env, { JOINTLY_THREADS: '1' });
  assert.deepEqual(federated.args, ['--out', 'tmp/b/']);
  assert.deepEqual(federated.env, { JOINTLY_THREADS: '1' });
  assert.equal(federated.results, 'tmp/b/federated-scale.json');
  assert.deepEqual(aggregationOptions(o), { seconds: 3, repeats: 2, threads: [1], out: 'tmp/b/' });
});

test('the throughput part parses exactly what the runner hands it', () => {
  const o = parse(['--seconds', '1.5', '--threads', '1,2', '--models', 'mlp,lenet', '--backend', 'native', '--wasm', '--no-pytorch', '--pytorch-allocator', 'default', '--no-sgemm', '--repeats', '4']);

  const parsed = parseThroughputOptions(partCommand('throughput', o).args, 2);

  assert.deepEqual(parsed, { seconds: 1.5, repeats: 4, threads: [1, 2], models: ['mlp', 'lenet'], backends: ['native', 'wasm'], pytorch: false, pytorchAllocator: 'default', sgemm: false, out: 'bench-results/throughput.json' });
});

test('the per-loss part parses exactly what the runner hands it: --no-pytorch and --pytorch-allocator reach it as they reach throughput', () => {
  const o = parse(['--seconds', '0.5', '--repeats', '3', '--backend', 'native', '--heads', '2,4', '--no-pytorch', '--pytorch-allocator', 'default', '--threads', '1']);

  const cmd = partCommand('per-loss', o);

  assert.deepEqual(cmd.args, ['--seconds', '0.5', '--rounds', '3', '--backend', 'native', '--heads', '2,4', '--no-pytorch', '--pytorch-allocator', 'default', '--out', 'bench-results/per-loss-step.json']);
  assert.deepEqual(cmd.env, { JOINTLY_THREADS: '1' });
  assert.deepEqual(parsePerLossOptions(cmd.args), { backend: 'native', heads: [2, 4], rounds: 3, steps: 20, seconds: 0.5, pytorch: false, pytorchAllocator: 'default', out: 'bench-results/per-loss-step.json' });
  assert.deepEqual(parsePerLossOptions(partCommand('per-loss', parse([])).args), defaultPerLossOptions());
});

test('parts that run at one thread count get the largest of --threads; per-loss and federated-scale flags reach them', () => {
  const o = parse(['--threads', '2,1', '--backend', 'wasm', '--heads', '2,3', '--clients', '50', '--per-round', '10', '--rounds', '2']);

  assert.deepEqual(partCommand('per-loss', o), { part: 'per-loss', script: 'per-loss-step.js', args: ['--backend', 'wasm', '--heads', '2,3', '--out', 'bench-results/per-loss-step.json'], env: { JOINTLY_THREADS: '2' }, results: 'bench-results/per-loss-step.json' });
  assert.deepEqual(partCommand('federated-scale', o).args, ['--clients', '50', '--per-round', '10', '--rounds', '2', '--backend', 'wasm', '--out', 'bench-results']);
  assert.deepEqual(partCommand('federated-scale', o).env, { JOINTLY_THREADS: '2' });
});

test('--only picks parts, kept in run order by the runner', () => {
  assert.deepEqual(parse(['--only', 'aggregation,throughput']).parts, ['aggregation', 'throughput']);
});

test('unknown flags, positionals and bad values are usage errors', () => {
  assert.throws(() => parseRunAllOptions(['--secnds', '3']), (err: unknown) => isUsage(err) && err instanceof Error && err.message.includes('secnds'));
  assert.throws(() => parseRunAllOptions(['extra']), isUsage);
  assert.throws(() => parseRunAllOptions(['--seconds']), isUsage);
  assert.throws(() => parseRunAllOptions(['--only', 'throughput,nope']), isUsage);
  assert.throws(() => parseRunAllOptions(['--threads', '0']), isUsage);
  assert.throws(() => parseRunAllOptions(['--models', 'resnet']), isUsage);
  assert.throws(() => parseRunAllOptions(['--backend', 'gpu']), isUsage);
  assert.throws(() => parseRunAllOptions(['--clients', '10', '--per-round', '20']), isUsage);
});

test('--help and -h return null', () => {
  assert.equal(parseRunAllOptions(['--help']), null);
  assert.equal(parseRunAllOptions(['-h']), null);
});

test('the usage lists every flag, with the parts it reaches when not all', () => {
  const usage = runAllUsage();

  for (const name of Object.keys(RUN_ALL_FLAGS)) assert.match(usage, new RegExp(`--${name}\\b`));
  assert.match(usage, /--heads <list> +per-loss head counts \(default 2,4\) \[per-loss\]/);
  assert.match(usage, /--no-pytorch +skip PyTorch[^\n]*\[throughput, per-loss\]/);
  assert.match(usage, /--pytorch-allocator <tuned\|default> +[^\n]*\[throughput, per-loss\]/);
  assert.match(usage, /--threads <list> +thread counts[^\n]*largest\n/);
});
