import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, RoundRefusedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { controlVariateStep, scaffoldStep } from './scaffold.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

function input(overrides: Partial<Parameters<typeof scaffoldStep>[0]> = {}): Parameters<typeof scaffoldStep>[0] {
  return {
    global: f32(1, 1),
    control: f32(0.5, 0),
    params: [f32(2, 0), f32(4, 1)],
    controlDeltas: [f32(1, 1), f32(3, -1)],
    numClients: 4,
    serverLearningRate: 1,
    ...overrides,
  };
}

test('scaffoldStep: x ← x + η·mean(y − x), c ← c + (|S|/N)·mean(Δc)', () => {
  const args = input();

  const out = scaffoldStep(args);

  // mean(y − x) = ((1, −1) + (3, 0))/2 = (2, −0.5) → x = (3, 0.5)
  // mean(Δc) = ((1, 1) + (3, −1))/2 = (2, 0); |S|/N = 2/4 → c = (0.5, 0) + 0.5·(2, 0) = (1.5, 0)
  assertClose(out.params, [3, 0.5], 1e-7, 'params');
  assertClose(out.control, [1.5, 0], 1e-7, 'control');
  assert.deepEqual(Array.from(args.control), [0.5, 0], 'control not mutated');
});

test('the server learning rate scales only the parameter step', () => {
  // x = (1, 1) + 0.5·(2, −0.5) = (2, 0.75); c unchanged from the case above
  const out = scaffoldStep(input({ serverLearningRate: 0.5 }));
  assertClose(out.params, [2, 0.75], 1e-7, 'params');
  assertClose(out.control, [1.5, 0], 1e-7, 'control');
});

test('scaffoldStep refuses mismatched counts, lengths and N < |S|', () => {
  assert.throws(() => scaffoldStep(input({ controlDeltas: [f32(1, 1)] })), errorLike(ConfigError, /1 control deltas for 2/));
  assert.throws(() => scaffoldStep(input({ numClients: 1 })), errorLike(ConfigError, /numClients/));
  assert.throws(
    () => scaffoldStep(input({ controlDeltas: [f32(1, 1), f32(3)], labels: ['a', 'b'] })),
    errorLike(ShapeMismatchError, /client 'b' has 1 controlDelta values, expected 2/),
  );
});

test('controlVariateStep is scaffoldStep\'s control update, bit for bit', () => {
  const args = input({ control: f32(0.3, -0.7), controlDeltas: [f32(0.1, 0.2), f32(-0.35, 0.9)], numClients: 7 });

  const alone = controlVariateStep({ control: args.control, controlDeltas: args.controlDeltas, numClients: args.numClients });

  assert.deepEqual(alone, scaffoldStep(args).control);
  // c + (2/7)·mean(Δc) = (0.3, −0.7) + (2/7)·(−0.125, 0.55)
  assertClose(alone, [0.3 + (2 / 7) * -0.125, -0.7 + (2 / 7) * 0.55], 1e-6, 'control');
});

test('controlVariateStep refuses no deltas, N < |S| and deltas of another length', () => {
  assert.throws(() => controlVariateStep({ control: f32(1), controlDeltas: [], numClients: 1 }), RoundRefusedError);
  assert.throws(() => controlVariateStep({ control: f32(1), controlDeltas: [f32(1), f32(1)], numClients: 1 }), errorLike(ConfigError, /numClients/));
  assert.throws(() => controlVariateStep({ control: f32(1, 2), controlDeltas: [f32(1)], numClients: 1, labels: ['a'] }), errorLike(ShapeMismatchError, /client 'a' has 1 controlDelta values, expected 2/));
});
