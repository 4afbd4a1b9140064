import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientRecord, RoundRecord } from './coordinator.js';
import { countRound } from './count-round.js';

const round = (r: Partial<RoundRecord>): RoundRecord => ({ round: 1, sampled: [], replied: [], failures: [], trainLoss: 0, aggregate: {}, clientMetrics: {}, bytesSent: 0, bytesReceived: 0, seconds: 0, paramsChecksum: '', ...r });

test('countRound adds sampled, aggregated and failed rounds per client and keeps the last failure', () => {
  const clients: Record<string, ClientRecord> = {};

  countRound(clients, round({ sampled: ['a', 'b'], replied: ['a'], failures: [{ clientId: 'b', reason: 'first' }] }));
  countRound(clients, round({ round: 2, sampled: ['a', 'b'], replied: ['a', 'b'] }));
  countRound(clients, round({ round: 3, sampled: ['b'], failures: [{ clientId: 'b', reason: 'second' }] }));

  assert.deepEqual(clients, { a: { sampled: 2, replied: 2, failures: 0 }, b: { sampled: 3, replied: 1, failures: 2, lastFailure: 'second' } });
});

test('countRound counts a client id that names an Object.prototype property as a plain client', () => {
  const clients: Record<string, ClientRecord> = {};

  countRound(clients, round({ sampled: ['constructor', 'toString'], replied: ['constructor'] }));

  assert.deepEqual(JSON.parse(JSON.stringify(clients)), { constructor: { sampled: 1, replied: 1, failures: 0 }, toString: { sampled: 1, replied: 0, failures: 0 } });
});
