import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { decodeMessage, encodeMessage } from './codec.js';
import type { EvaluateReplyMessage, FitReplyMessage } from './messages.js';
import { encodeFloat16 } from '../compression/float16.js';
import { packParams } from './tensors.js';
import { refusalMessage, validateEvaluateReply, validateFitReply, type FitReplyExpectations, type ReplyValidation } from './validate-reply.js';

const layout = [
  { name: 'kernel', shape: [2, 2] },
  { name: 'bias', shape: [2] },
];
const global = new Float32Array([1, 2, 3, 4, 5, 6]);
const local = new Float32Array([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);

function expectations(overrides: Partial<FitReplyExpectations> = {}): FitReplyExpectations {
  return { clientId: 'hospital-a', round: 3, layout, global, maxNumExamples: 1000, ...overrides };
}

function reply(overrides: Partial<FitReplyMessage> = {}): FitReplyMessage {
  return { type: 'fitReply', round: 3, numExamples: 600, metrics: { loss: 0.5 }, delta: false, params: packParams(layout, local.slice()), extras: {}, durationSeconds: 2, ...overrides };
}

function refusal<T>(result: ReplyValidation<T>): { code: string; reason: string } {
  assert.equal(result.ok, false, 'expected a refusal');
  return result.ok ? { code: '', reason: '' } : { code: result.code, reason: result.reason };
}

describe('validateFitReply', () => {
  it('accepts a valid reply and returns the FitReply a strategy aggregates', () => {
    const result = validateFitReply(reply(), expectations());

    assert.ok(result.ok);
    assert.deepEqual(result.reply, { clientId: 'hospital-a', params: local, numExamples: 600, metrics: { loss: 0.5 }, extras: {} });
  });

  it('accepts a decoded reply without copying its parameters', () => {
    const bytes = encodeMessage(reply());
    const decoded = decodeMessage(bytes);
    assert.equal(decoded.type, 'fitReply');

    const result = decoded.type === 'fitReply' ? validateFitReply(decoded, expectations()) : undefined;

    assert.ok(result?.ok);
    assert.deepEqual(result.reply.params, local);
    assert.equal(result.reply.params.buffer, bytes.buffer);
  });

  it('adds a delta reply to the global parameters', () => {
    const delta = new Float32Array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);

    const result = validateFitReply(reply({ delta: true, params: packParams(layout, delta) }), expectations());

    assert.ok(result.ok);
    assert.deepEqual(result.reply.params, local);
  });

  it('refuses a stale round, and a round that has not started', () => {
    assert.deepEqual(refusal(validateFitReply(reply({ round: 2 }), expectations())), {
      code: 'staleRound',
      reason: 'the reply is for round 2 but round 3 is under way; a late reply is not aggregated',
    });
    assert.equal(refusal(validateFitReply(reply({ round: 4 }), expectations())).code, 'wrongRound');
  });

  it('refuses a huge, zero or fractional example count', () => {
    assert.deepEqual(refusal(validateFitReply(reply({ numExamples: 1e12 }), expectations())), {
      code: 'badNumExamples',
      reason: 'numExamples 1000000000000 exceeds the plausible maximum of 1000 for this client',
    });
    assert.equal(refusal(validateFitReply(reply({ numExamples: 0 }), expectations())).code, 'badNumExamples');
    assert.equal(refusal(validateFitReply(reply({ numExamples: 2.5 }), expectations())).code, 'badNumExamples');
  });

  it('refuses wrong names, wrong order and a missing tensor', () => {
    const [kernel, bias] = packParams(layout, local);

    const renamed = refusal(validateFitReply(reply({ params: [{ ...kernel, name: 'weights' }, bias] }), expectations()));
    const swapped = refusal(validateFitReply(reply({ params: [bias, kernel] }), expectations()));
    const missing = refusal(validateFitReply(reply({ params: [kernel] }), expectations()));

    assert.deepEqual(renamed, { code: 'wrongNames', reason: "parameters[0] is named 'weights' but the model expects 'kernel' there (same names in the same order are required)" });
    assert.equal(swapped.code, 'wrongNames');
    assert.match(missing.reason, /the first missing is 'bias'/);
  });

  it('refuses a wrong shape', () => {
    const [kernel, bias] = packParams(layout, local);

    const result = refusal(validateFitReply(reply({ params: [{ ...kernel, shape: [4] }, bias] }), expectations()));

    assert.deepEqual(result, { code: 'wrongShape', reason: "parameters 'kernel' has shape [4] but the model expects [2, 2]" });
  });

  it('refuses NaN and infinite values, naming the tensor and index', () => {
    const withNaN = local.slice();
    withNaN[5] = NaN;
    const withInf = local.slice();
    withInf[0] = -Infinity;

    assert.deepEqual(refusal(validateFitReply(reply({ params: packParams(layout, withNaN) }), expectations())), {
      code: 'nonFinite',
      reason: "parameters 'bias' has a non-finite value (NaN) at index 1",
    });
    assert.match(refusal(validateFitReply(reply({ params: packParams(layout, withInf) }), expectations())).reason, /'kernel' has a non-finite value \(-Infinity\) at index 0/);
  });

  it('refuses a delta that overflows float32 once added', () => {
    const huge = new Float32Array(6).fill(3e38);

    const result = validateFitReply(reply({ delta: true, params: packParams(layout, huge) }), expectations({ global: new Float32Array(6).fill(3e38) }));

    assert.equal(refusal(result).code, 'nonFinite');
  });

  it('checks the extras the strategy expects: present, right length, finite, none other', () => {
    const wanted = expectations({ extras: { controlDelta: 6 } });
    const badExtra = new Float32Array(6);
    badExtra[2] = Infinity;

    assert.equal(refusal(validateFitReply(reply(), wanted)).code, 'missingExtra');
    assert.equal(refusal(validateFitReply(reply({ extras: { controlDelta: new Float32Array(5) } }), wanted)).code, 'wrongExtraLength');
    assert.match(refusal(validateFitReply(reply({ extras: { controlDelta: badExtra } }), wanted)).reason, /extra vector 'controlDelta' has a non-finite value \(Infinity\) at index 2/);
    assert.equal(refusal(validateFitReply(reply({ extras: { other: new Float32Array(1) } }), expectations())).code, 'unexpectedExtra');
    const ok = validateFitReply(reply({ extras: { controlDelta: new Float32Array(6) } }), wanted);
    assert.ok(ok.ok);
    assert.deepEqual(ok.reply.extras, { controlDelta: new Float32Array(6) });
  });

  it('refuses impossible training metrics (a negative loss, an accuracy outside [0, 1]) and leaves other metrics alone', () => {
    assert.deepEqual(refusal(validateFitReply(reply({ metrics: { loss: -0.5 } }), expectations())), { code: 'badMetrics', reason: "metric 'loss' must be a finite number ≥ 0, got -0.5" });
    assert.deepEqual(refusal(validateFitReply(reply({ metrics: { loss: 0.5, accuracy: 1.5 } }), expectations())), {
      code: 'badMetrics',
      reason: "metric 'accuracy' must be a share in [0, 1], got 1.5",
    });
    assert.equal(refusal(validateFitReply(reply({ metrics: { loss: Number.POSITIVE_INFINITY } }), expectations())).code, 'badMetrics');

    const own = validateFitReply(reply({ metrics: { loss: 0, accuracy: 1, margin: -3 } }), expectations());
    assert.ok(own.ok);
    assert.deepEqual(own.reply.metrics, { loss: 0, accuracy: 1, margin: -3 });
  });

  it('throws ShapeMismatchError when the expectations are inconsistent (a server bug)', () => {
    assert.throws(() => validateFitReply(reply(), expectations({ global: new Float32Array(5) })), errorLike(ShapeMismatchError, /global has 5 values but the layout has 6/));
  });
});

describe('validateEvaluateReply', () => {
  it('checks the round and the example count', () => {
    const msg = { type: 'evaluateReply' as const, round: 2, numExamples: 50, metrics: { loss: 0.1, accuracy: 0.9 } };

    assert.ok(validateEvaluateReply(msg, { round: 2, maxNumExamples: 50 }).ok);
    assert.equal(refusal(validateEvaluateReply(msg, { round: 3, maxNumExamples: 50 })).code, 'staleRound');
    assert.equal(refusal(validateEvaluateReply(msg, { round: 2, maxNumExamples: 49 })).code, 'badNumExamples');
  });

  it('refuses a count above the declared size, a negative or infinite loss, and an accuracy outside [0, 1]', () => {
    const msg = (numExamples: number, loss: number, accuracy: number): EvaluateReplyMessage => ({ type: 'evaluateReply', round: 2, numExamples, metrics: { loss, accuracy } });

    assert.equal(refusal(validateEvaluateReply(msg(10_000_000, 0.1, 1), { round: 2, maxNumExamples: 100 })).reason, 'numExamples 10000000 exceeds the plausible maximum of 100 for this client');
    assert.deepEqual(refusal(validateEvaluateReply(msg(50, -1, 0.9), { round: 2, maxNumExamples: 100 })), { code: 'badMetrics', reason: "metric 'loss' must be a finite number ≥ 0, got -1" });
    assert.equal(refusal(validateEvaluateReply(msg(50, Number.NaN, 0.9), { round: 2, maxNumExamples: 100 })).code, 'badMetrics');
    assert.equal(refusal(validateEvaluateReply(msg(50, 0.1, -0.01), { round: 2, maxNumExamples: 100 })).code, 'badMetrics');
    assert.ok(validateEvaluateReply(msg(100, 0, 1), { round: 2, maxNumExamples: 100 }).ok, 'the edges are plausible');
  });
});

describe('refusalMessage', () => {
  it('makes the error message sent back to the client', () => {
    assert.deepEqual(refusalMessage({ ok: false, code: 'nonFinite', reason: 'NaN at 3' }, 7), { type: 'error', code: 'nonFinite', message: 'NaN at 3', round: 7 });
  });
});

describe('validateFitReply: compressed replies', () => {
  const update = local.map((v, i) => v - global[i]);
  const compressedReply = (bytes: Uint8Array, extra: Partial<FitReplyMessage> = {}): FitReplyMessage => reply({ params: [], data: { update: { shape: [bytes.length], values: bytes } }, ...extra });

  it('decodes the update of the round\'s codec, through the wire too, and adds it to the global parameters', () => {
    const bytes = encodeFloat16(update).bytes;
    const wire = decodeMessage(encodeMessage(compressedReply(bytes))) as FitReplyMessage;

    const result = validateFitReply(wire, expectations({ compression: 'float16' }));

    assert.ok(result.ok, result.ok ? '' : result.reason);
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(result.reply.params[i] - local[i]) < 1e-3, `value ${i}`);
  });

  it('refuses compressed data the round did not ask for, another codec, broken bytes, or parameters besides it', () => {
    const bytes = encodeFloat16(update).bytes;
    assert.match(refusal(validateFitReply(compressedReply(bytes), expectations())).reason, /binary data \(update\) but this round is not compressed/);
    assert.equal(refusal(validateFitReply(compressedReply(bytes), expectations({ compression: 'topk' }))).code, 'badCompression');
    assert.match(refusal(validateFitReply(compressedReply(bytes.subarray(0, 9)), expectations({ compression: 'float16' }))).reason, /does not decode/);
    assert.match(refusal(validateFitReply(compressedReply(bytes, { params: packParams(layout, local.slice()) }), expectations({ compression: 'float16' }))).reason, /no parameters besides its update/);
    // A plain reply is still accepted in a compressed round (a client that sends everything costs only bytes).
    assert.ok(validateFitReply(reply(), expectations({ compression: 'float16' })).ok);
  });
});
