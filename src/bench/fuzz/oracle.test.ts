/** Tests of the fuzzer's oracle: delivered messages, hello authorization, fit reply verdicts, the round ledger. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage } from '../../federated/protocol/codec.js';
import type { FitMessage, Message } from '../../federated/protocol/messages.js';
import { deliveredMessage, helloAuthorizes, judgeFitReply, RoundLedger } from './oracle.js';
import type { FuzzCase } from './mutate.js';

const FIT: FitMessage = { type: 'fit', round: 3, config: {}, params: [{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }], extras: {} };
const reply = (over: Partial<Extract<Message, { type: 'fitReply' }>> = {}): Message => ({
  type: 'fitReply',
  round: 3,
  numExamples: 10,
  metrics: {},
  delta: false,
  params: [{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }],
  extras: {},
  durationSeconds: 0,
  ...over,
});
const asCase = (bytes: Uint8Array, delivery: FuzzCase['delivery'] = { mode: 'binary' }): FuzzCase => ({ kind: 'valid', detail: '', bytes, delivery });

test('deliveredMessage: a binary or fragmented frame decodes; text, oversized, violations and garbage do not', () => {
  const bytes = encodeMessage(reply());
  assert.ok('msg' in deliveredMessage(asCase(bytes), 1 << 20));
  assert.ok('msg' in deliveredMessage(asCase(bytes, { mode: 'fragmented', fragments: 3 }), 1 << 20));
  assert.ok('undecodable' in deliveredMessage(asCase(bytes, { mode: 'text' }), 1 << 20));
  assert.ok('undecodable' in deliveredMessage(asCase(bytes, { mode: 'oversized', declaredLength: 1e6 }), 1 << 20));
  assert.ok('undecodable' in deliveredMessage(asCase(bytes, { mode: 'wsViolation', violation: 'rsv' }), 1 << 20));
  assert.ok('undecodable' in deliveredMessage(asCase(bytes), 16));
  assert.ok('undecodable' in deliveredMessage(asCase(bytes.subarray(0, 20)), 1 << 20));
});

test('helloAuthorizes only a supported version with a registered id and its own token', () => {
  const creds = new Map([['probe', 'tok']]);
  const hello = (clientId: string, token: string, protocolVersion = 1): { msg: Message } => ({
    msg: { type: 'hello', protocolVersion, clientId, token, capabilities: { backend: 'cpu', numExamples: 1, maxMessageBytes: 1, jointlyVersion: 'x' } },
  });
  assert.equal(helloAuthorizes(hello('probe', 'tok'), creds), true);
  assert.equal(helloAuthorizes(hello('probe', 'tok2'), creds), false);
  assert.equal(helloAuthorizes(hello('other', 'tok'), creds), false);
  assert.equal(helloAuthorizes(hello('probe', 'tok', 2), creds), false);
  assert.equal(helloAuthorizes({ undecodable: 'x' }, creds), false);
});

test('judgeFitReply uses validateFitReply against the fit of the claimed round', () => {
  const fits = new Map([[3, FIT]]);
  assert.deepEqual(judgeFitReply({ msg: reply() }, fits, 'c', 10), { round: 3, valid: true, reason: 'valid' });
  assert.equal(judgeFitReply({ msg: reply({ numExamples: 11 }) }, fits, 'c', 10).valid, false);
  assert.equal(judgeFitReply({ msg: reply({ params: [{ name: 'w', shape: [2], values: new Float32Array([Number.NaN, 0]) }] }) }, fits, 'c', 10).valid, false);
  assert.equal(judgeFitReply({ msg: reply({ delta: true, params: [{ name: 'w', shape: [2], values: new Float32Array([3.4e38, 0]) }] }) }, new Map([[3, { ...FIT, params: [{ name: 'w', shape: [2], values: new Float32Array([3.4e38, 0]) }] }]]), 'c', 10).valid, false);
  assert.equal(judgeFitReply({ msg: reply({ params: [{ name: 'v', shape: [2], values: new Float32Array(2) }] }) }, fits, 'c', 10).valid, false);
  // A delta for a round not seen yet cannot be judged here: counted valid, so never reported.
  assert.equal(judgeFitReply({ msg: reply({ round: 4, delta: true }) }, fits, 'c', 10).valid, true);
  assert.equal(judgeFitReply({ undecodable: 'bad magic' }, fits, 'c', 10).valid, false);
});

test('the ledger reports exactly the rounds that aggregated the client without a valid reply for them', () => {
  // Arrange
  const ledger = new RoundLedger('fuzz-0');
  ledger.record({ round: 1, valid: true, reason: 'valid' }, 'A#1');
  ledger.record({ round: 2, valid: false, reason: 'nonFinite: NaN' }, 'A#2');
  ledger.record({ valid: false, reason: 'undecodable' }, 'A#3');
  const records = [
    { round: 1, replied: ['a', 'fuzz-0'], failures: [] },
    { round: 2, replied: ['a', 'fuzz-0'], failures: [] },
    { round: 3, replied: ['a'], failures: [{ clientId: 'fuzz-0', reason: 'refused' }] },
    { round: 4, replied: ['fuzz-0'], failures: [] },
  ];
  // Act
  const violations = ledger.violations(records);
  // Assert
  assert.deepEqual(violations.map((v) => v.round), [2, 4]);
  assert.match(violations[0].sent[0], /A#2 \(nonFinite/);
  assert.equal(ledger.aggregated(records), 3);
  assert.deepEqual([ledger.validSent, ledger.invalidSent], [1, 2]);
});
