/** Tests of the seeded mutator: reproducible cases, every kind reachable, framing kept where promised. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, deriveSeed } from '../../engine/random.js';
import { decodeMessage, encodeMessage } from '../../federated/protocol/codec.js';
import { baseMessage, type FrameContext } from './base-frames.js';
import { assembleFrame, mutateFrame, MUTATION_KINDS, splitFrame, type MutationKind } from './mutate.js';

const CTX: FrameContext = { clientId: 'fuzz-0', token: 'secret', numExamples: 50 };

function frameOf(type: Parameters<typeof baseMessage>[0], seed = 1): Uint8Array {
  return encodeMessage(baseMessage(type, CTX, createRng(seed)));
}

test('splitFrame and assembleFrame round-trip a valid frame byte for byte', () => {
  const frame = frameOf('fitReply');
  const parts = splitFrame(frame);
  assert.deepEqual(assembleFrame(parts.version, parts.typeCode, JSON.stringify(parts.header), parts.payload), frame);
});

test('the same seed gives the same case; another seed another one', () => {
  const frame = frameOf('hello');
  const a = mutateFrame(frame, createRng(deriveSeed(7, 'case-3')));
  const b = mutateFrame(frame, createRng(deriveSeed(7, 'case-3')));
  assert.deepEqual(a, b);
  const others = Array.from({ length: 20 }, (_, i) => mutateFrame(frame, createRng(deriveSeed(7, `case-${i + 10}`))));
  assert.ok(others.some((c) => c.kind !== a.kind || c.detail !== a.detail), 'twenty other cases are not all this one');
});

test('every mutation kind is produced, and header mutations keep a well-formed prefix', () => {
  // Arrange
  const frames = [frameOf('fitReply'), frameOf('hello'), frameOf('evaluateReply')];
  const seen = new Set<MutationKind>();
  const headerKinds = new Set<MutationKind>(['unknownField', 'wrongType', 'longString', 'controlChars', 'missingField', 'tensorTable', 'roundNumber', 'numExamples', 'tensorValues', 'typeSwap']);
  // Act
  for (let i = 0; i < 3000; i++) {
    const c = mutateFrame(frames[i % 3], createRng(deriveSeed(1, `case-${i}`)));
    seen.add(c.kind);
    if (headerKinds.has(c.kind)) {
      // Assert: the framing is intact, so the JSON header reaches the decoder.
      const view = new DataView(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength);
      assert.deepEqual([...c.bytes.subarray(0, 3)], [0x4a, 0x4c, 0x59], `${c.kind}: magic`);
      assert.ok(12 + view.getUint32(8, true) <= c.bytes.byteLength, `${c.kind}: header length inside the frame`);
    }
  }
  assert.deepEqual([...MUTATION_KINDS].filter((k) => !seen.has(k)), []);
});

test('a valid case decodes; tensor-value and example-count cases still decode but carry the hostile values', () => {
  const frame = frameOf('fitReply', 3);
  let checked = 0;
  for (let i = 0; i < 2000 && checked < 30; i++) {
    const c = mutateFrame(frame, createRng(deriveSeed(2, `case-${i}`)), { valid: 5, tensorValues: 5, numExamples: 5 });
    if (c.kind === 'valid') assert.equal(decodeMessage(c.bytes).type, 'fitReply');
    if (c.kind === 'tensorValues') {
      const msg = decodeMessage(c.bytes);
      assert.ok(msg.type === 'fitReply' && msg.params.some((t) => t.values.some((v) => !Number.isFinite(v) || Math.abs(v) >= 1e10 || Math.abs(v) < 1e-40)), c.detail);
      checked++;
    }
  }
  assert.ok(checked > 0);
});

test('a kind that cannot apply falls back to a header type mutation and says so', () => {
  const frame = frameOf('bye');
  const c = Array.from({ length: 500 }, (_, i) => mutateFrame(frame, createRng(i), { roundNumber: 1000 })).find((x) => /does not apply/.test(x.detail));
  assert.ok(c !== undefined);
  assert.equal(c.kind, 'wrongType');
  assert.match(c.detail, /roundNumber does not apply/);
});
