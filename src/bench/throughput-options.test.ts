import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND_NAMES } from '../engine/backend-registry.js';
import { JointlyError } from '../errors.js';
import { defaultThroughputOptions, JOINTLY_BACKENDS, parseThroughputOptions } from './throughput-options.js';

test('no flags: every model, 3 repeats of 5 s, 1 and 2 threads on 2 cores, auto backend, PyTorch and sgemm on', () => {
  assert.deepEqual(parseThroughputOptions([], 2), {
    seconds: 5,
    repeats: 3,
    threads: [1, 2],
    models: ['mlp', 'cnn', 'lenet'],
    backends: ['auto'],
    pytorch: true,
    pytorchAllocator: 'tuned',
    sgemm: true,
    out: 'bench-results/throughput.json',
  });
  assert.deepEqual(defaultThroughputOptions(1).threads, [1]);
});

test('every flag is read', () => {
  const o = parseThroughputOptions(['--seconds', '1', '--repeats', '2', '--threads', '2', '--models', 'lenet', '--backend', 'native', '--wasm', '--no-pytorch', '--pytorch-allocator', 'default', '--no-sgemm', '--out', 'x.json'], 2);

  assert.deepEqual(o, { seconds: 1, repeats: 2, threads: [2], models: ['lenet'], backends: ['native', 'wasm'], pytorch: false, pytorchAllocator: 'default', sgemm: false, out: 'x.json' });
});

test('--wasm with --backend wasm measures wasm once', () => {
  assert.deepEqual(parseThroughputOptions(['--backend', 'wasm', '--wasm'], 2)?.backends, ['wasm']);
});

test('--help returns null; unknown flags and bad values throw', () => {
  assert.equal(parseThroughputOptions(['--help'], 2), null);
  assert.throws(() => parseThroughputOptions(['--bogus'], 2), /bogus/);
  assert.throws(() => parseThroughputOptions(['--models', 'resnet'], 2), (err: unknown) => err instanceof JointlyError && err.code === 'UNKNOWN_NAME');
  assert.throws(() => parseThroughputOptions(['--pytorch-allocator', 'jemalloc'], 2), (err: unknown) => err instanceof JointlyError && err.code === 'UNKNOWN_NAME');
  assert.throws(() => parseThroughputOptions(['--repeats', '0'], 2), (err: unknown) => err instanceof JointlyError && err.code === 'USAGE');
});

test("JOINTLY_BACKENDS is the engine's list of backend names", () => {
  assert.deepEqual([...JOINTLY_BACKENDS], [...BACKEND_NAMES]);
});
