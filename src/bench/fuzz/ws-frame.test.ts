/** Tests of the hand-written WebSocket frames: lengths, masking, fragments, control frames, limits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeWsFrame, encodeWsHeader, maskPayload, OPCODE, WsFrameReader } from './ws-frame.js';

test('encodeWsHeader picks the 7-bit, 16-bit and 64-bit length forms and writes a declared length', () => {
  assert.deepEqual([...encodeWsHeader(5)], [0x82, 5]);
  assert.deepEqual([...encodeWsHeader(300)], [0x82, 126, 0x01, 0x2c]);
  const big = encodeWsHeader(0, { declaredLength: 250 * 2 ** 20 });
  assert.equal(big[1], 127);
  assert.equal(new DataView(big.buffer).getBigUint64(2), BigInt(250 * 2 ** 20));
  const odd = encodeWsHeader(1, { fin: false, rsv: 5, opcode: 0x3, maskKey: new Uint8Array([1, 2, 3, 4]) });
  assert.equal(odd[0], 0x53);
  assert.equal(odd[1], 0x81);
  assert.deepEqual([...odd.subarray(2)], [1, 2, 3, 4]);
});

test('masking twice gives the payload back, and an offset continues the key', () => {
  const data = new Uint8Array([10, 20, 30, 40, 50, 60]);
  const key = new Uint8Array([0xaa, 0x55, 0x0f, 0xf0]);
  assert.deepEqual(maskPayload(maskPayload(data, key), key), data);
  const whole = maskPayload(data, key);
  assert.deepEqual([...maskPayload(data.subarray(0, 3), key, 0), ...maskPayload(data.subarray(3), key, 3)], [...whole]);
});

test('the reader joins fragments split across chunks, unmasks, and reports close and ping', () => {
  // Arrange: a masked binary message in two fragments, a ping and a close, split at odd places.
  const key = new Uint8Array([9, 8, 7, 6]);
  const bytes = new Uint8Array([
    ...encodeWsFrame(new Uint8Array([1, 2, 3]), { fin: false, maskKey: key }),
    ...encodeWsFrame(new Uint8Array(200).fill(7), { opcode: OPCODE.continuation }),
    ...encodeWsFrame(new Uint8Array([42]), { opcode: OPCODE.ping }),
    ...encodeWsFrame(new Uint8Array([0x03, 0xe9, 0x68, 0x69]), { opcode: OPCODE.close }),
  ]);
  const reader = new WsFrameReader();
  // Act
  const events = [...reader.push(bytes.subarray(0, 4)), ...reader.push(bytes.subarray(4, 150)), ...reader.push(bytes.subarray(150))];
  // Assert
  assert.equal(events.length, 3);
  assert.deepEqual(events[0].kind === 'message' ? [events[0].binary, events[0].data.byteLength, ...events[0].data.subarray(0, 4)] : [], [true, 203, 1, 2, 3, 7]);
  assert.deepEqual(events[1], { kind: 'ping', data: new Uint8Array([42]) });
  assert.deepEqual(events[2], { kind: 'close', code: 1001, reason: 'hi' });
});

test('the reader refuses a frame declaring more than its limit before buffering it', () => {
  const reader = new WsFrameReader(1024);
  assert.throws(() => reader.push(encodeWsHeader(0, { declaredLength: 2 ** 40 })), /declares 1099511627776 bytes/);
  assert.throws(() => new WsFrameReader(1024).push(encodeWsHeader(0, { declaredLength: 5000 })), /declares 5000 bytes/);
});
