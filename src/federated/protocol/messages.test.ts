import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthRefusedError, ProtocolError } from '../../errors.js';
import { errorForRefusal, HEADER_SCHEMAS, MESSAGE_TYPE_CODES, TENSOR_GROUPS } from './messages.js';

describe('message types', () => {
  it('keeps the documented type codes (they must never change)', () => {
    assert.deepEqual(MESSAGE_TYPE_CODES, { hello: 1, welcome: 2, refuse: 3, fit: 4, fitReply: 5, evaluate: 6, evaluateReply: 7, heartbeat: 8, error: 9, bye: 10, challenge: 11,
      challengeAnswer: 12,
      secureReady: 13,
      secaggSetup: 14,
      secaggKeys: 15,
      secaggKeyList: 16,
      secaggShares: 17,
      secaggInbox: 18,
      secaggMaskedInput: 19,
      secaggUnmaskRequest: 20,
      secaggUnmask: 21,
    });
  });

  it('has a header schema and tensor groups for every type', () => {
    assert.deepEqual(Object.keys(HEADER_SCHEMAS).sort(), Object.keys(MESSAGE_TYPE_CODES).sort());
    assert.deepEqual(Object.keys(TENSOR_GROUPS).sort(), Object.keys(MESSAGE_TYPE_CODES).sort());
  });

  it('refuses a hello with an invalid client id', () => {
    const hello = { protocolVersion: 1, clientId: '../etc', token: 't', capabilities: { backend: 'cpu', numExamples: 1, maxMessageBytes: 1, jointlyVersion: '0' } };

    const result = HEADER_SCHEMAS.hello.safeParse(hello);

    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0].path, ['clientId']);
  });
});

describe('errorForRefusal', () => {
  it('maps auth refusals to AuthRefusedError and others to ProtocolError', () => {
    const auth = errorForRefusal({ type: 'refuse', code: 'auth', reason: "wrong token for client 'a'" });
    const other = errorForRefusal({ type: 'refuse', code: 'version', reason: 'server speaks version 2' });

    assert.ok(auth instanceof AuthRefusedError);
    assert.match(auth.message, /wrong token for client 'a'/);
    assert.ok(other instanceof ProtocolError);
    assert.match(other.message, /\(version\): server speaks version 2/);
  });
});
