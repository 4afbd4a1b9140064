import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { checkBytes, checkEnvelope, checkIdList, messageBytes, type MaskedInputMessage } from './messages.js';

test('messageBytes counts typed-array payloads, 4 bytes per number and string lengths', () => {
  const m: MaskedInputMessage = { type: 'secagg/masked-input', round: 1, from: 2, masked: new Uint32Array(10) };

  // 'secagg/masked-input' = 19 characters, two numbers, 40 payload bytes
  assert.equal(messageBytes(m), 19 + 8 + 40);
  assert.equal(messageBytes({ xs: [new Uint8Array(3), { y: 1 }] }), 3 + 4);
});

test('the envelope and field checkers name what is wrong', () => {
  assert.throws(() => checkEnvelope('x', 'secagg/keys', 1), errorLike(ProtocolError, /expected a secagg\/keys message, got string/));
  assert.throws(() => checkEnvelope({ type: 'secagg/unmask', round: 1 }, 'secagg/keys', 1), errorLike(ProtocolError, /got type "secagg\/unmask"/));
  assert.throws(() => checkEnvelope({ type: 'secagg/keys', round: 2 }, 'secagg/keys', 1), errorLike(ProtocolError, /for round 2, but this is round 1/));
  assert.doesNotThrow(() => checkEnvelope({ type: 'secagg/keys', round: 1 }, 'secagg/keys', 1));
  assert.throws(() => checkBytes([1, 2], 2, 'key'), errorLike(ProtocolError, /key must be a Uint8Array, got an array of length 2/));
  assert.throws(() => checkIdList([1, 1], 'list'), errorLike(ProtocolError, /list lists client 1 twice/));
  assert.throws(() => checkIdList([1, -1], 'list'), errorLike(ProtocolError, /contains number, not a client id/));
});
