import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import type { RoundContext } from '../strategy.js';
import { FedAdam } from './fedadam.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 10 });

test('FedOpt state starts empty at step 0 and refuses half or malformed moments', () => {
  const s = new FedAdam();
  assert.deepEqual(s.getState(), { scalars: { steps: 0 }, vectors: {} });
  assert.throws(() => s.setState({ scalars: { steps: 1 }, vectors: { m: f32(1) } }), errorLike(CheckpointError, /both moments m and v/));
  assert.throws(() => s.setState({ scalars: { steps: 1.5 }, vectors: {} }), CheckpointError);
  assert.throws(() => s.setState({ scalars: { step: 1 }, vectors: {} }), errorLike(CheckpointError, /unknown scalar 'step'/));
  assert.throws(() => s.setState({ scalars: {}, vectors: { m: f32(1), v: f32(1, 2) } }), errorLike(CheckpointError, /has length 2, the others 1/));
});

test('FedOpt refuses moments of another model length', () => {
  const s = new FedAdam();
  s.setState({ scalars: { steps: 1 }, vectors: { m: f32(1, 2), v: f32(1, 2) } });
  assert.throws(
    () => s.aggregateFit(ctx(0), [{ clientId: 'a', params: f32(1), numExamples: 1, metrics: {}, extras: {} }], []),
    errorLike(CheckpointError, /'m' has 2 values but the model has 1 parameters/),
  );
});
