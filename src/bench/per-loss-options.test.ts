import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JointlyError } from '../errors.js';
import { defaultPerLossOptions, parsePerLossOptions, PER_LOSS_USAGE } from './per-loss-options.js';

const isCode = (code: string) => (err: unknown): boolean => err instanceof JointlyError && err.code === code;

test('no flags: heads 2 and 4, 5 rounds of 20 steps, auto backend, PyTorch on with the tuned allocator', () => {
  assert.deepEqual(parsePerLossOptions([]), { backend: 'auto', heads: [2, 4], rounds: 5, steps: 20, seconds: null, pytorch: true, pytorchAllocator: 'tuned', out: 'bench-results/per-loss-step.json' });
  assert.deepEqual(parsePerLossOptions([]), defaultPerLossOptions());
});

test('every flag is read', () => {
  const o = parsePerLossOptions(['--backend', 'native', '--heads', '2,3', '--rounds', '2', '--seconds', '0.5', '--no-pytorch', '--pytorch-allocator', 'default', '--out', 'x.json']);

  assert.deepEqual(o, { backend: 'native', heads: [2, 3], rounds: 2, steps: 20, seconds: 0.5, pytorch: false, pytorchAllocator: 'default', out: 'x.json' });
  assert.equal(parsePerLossOptions(['--steps', '7'])?.steps, 7);
});

test('--help and -h return null', () => {
  assert.equal(parsePerLossOptions(['--help']), null);
  assert.equal(parsePerLossOptions(['-h']), null);
});

test('unknown flags, positionals and bad values are usage errors naming the flag', () => {
  assert.throws(() => parsePerLossOptions(['--no-pytroch']), (err: unknown) => isCode('USAGE')(err) && err instanceof Error && err.message.includes('no-pytroch'));
  assert.throws(() => parsePerLossOptions(['extra']), isCode('USAGE'));
  assert.throws(() => parsePerLossOptions(['--rounds']), isCode('USAGE'));
  assert.throws(() => parsePerLossOptions(['--rounds', '0']), (err: unknown) => isCode('USAGE')(err) && err instanceof Error && err.message.includes('--rounds'));
  assert.throws(() => parsePerLossOptions(['--heads', '2,x']), isCode('USAGE'));
  assert.throws(() => parsePerLossOptions(['--heads', '2,2']), isCode('USAGE'));
  assert.throws(() => parsePerLossOptions(['--seconds', '-1']), isCode('USAGE'));
  assert.throws(() => parsePerLossOptions(['--steps', '5', '--seconds', '1']), (err: unknown) => isCode('USAGE')(err) && err instanceof Error && /not both/.test(err.message));
  assert.throws(() => parsePerLossOptions(['--backend', 'gpu']), isCode('UNKNOWN_NAME'));
  assert.throws(() => parsePerLossOptions(['--pytorch-allocator', 'jemalloc']), isCode('UNKNOWN_NAME'));
});

test('the usage documents every flag', () => {
  for (const flag of ['--backend', '--heads', '--rounds', '--steps', '--seconds', '--no-pytorch', '--pytorch-allocator', '--out', '--help']) assert.match(PER_LOSS_USAGE, new RegExp(`${flag}\\b`));
});
