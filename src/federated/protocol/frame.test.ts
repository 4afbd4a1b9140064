import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { readFrame, writeFrame } from './frame.js';
import { DEFAULT_LIMITS } from './limits.js';

interface RawOptions {
  version?: number;
  typeCode?: number;
  flags?: number;
  reserved?: number;
  header?: unknown;
  headerText?: string;
  headerLength?: number;
  padding?: number;
  payload?: ArrayLike<number>;
}

interface Entry {
  name: string;
  shape: number[];
  dtype: string;
  offset: number;
  length: number;
}

const table = (...entries: Partial<Entry>[]): Entry[] =>
  entries.map((e, i) => ({ name: `param/t${i}`, shape: [2], dtype: 'float32', offset: 2 * i, length: 2, ...e }));

/** A frame built byte by byte, so that every field can be wrong. Defaults: a valid `evaluate` with one tensor of 2 floats. */
function raw(o: RawOptions = {}): Uint8Array {
  const text = o.headerText ?? JSON.stringify(o.header ?? { round: 1, config: {}, tensors: table({}) });
  const header = new TextEncoder().encode(text);
  const start = (12 + header.byteLength + 3) & ~3;
  const payload = new Float32Array(o.payload ?? [1, 2]);
  const out = new Uint8Array(start + payload.byteLength);
  out.set([0x4a, 0x4c, 0x59], 0);
  const view = new DataView(out.buffer);
  view.setUint8(3, o.version ?? 1);
  view.setUint8(4, o.typeCode ?? 6);
  view.setUint8(5, o.flags ?? 0);
  view.setUint16(6, o.reserved ?? 0, true);
  view.setUint32(8, o.headerLength ?? header.byteLength, true);
  out.set(header, 12);
  if (o.padding !== undefined && start > 12 + header.byteLength) out[12 + header.byteLength] = o.padding;
  new Uint8Array(out.buffer, start).set(new Uint8Array(payload.buffer));
  return out;
}

const read = (bytes: Uint8Array) => readFrame(bytes, DEFAULT_LIMITS);

describe('readFrame', () => {
  it('reads a valid hand-built frame', () => {
    const frame = read(raw());

    assert.equal(frame.type, 'evaluate');
    assert.deepEqual(frame.fields, { round: 1, config: {} });
    assert.deepEqual(frame.tensors, [{ name: 'param/t0', shape: [2], values: new Float32Array([1, 2]) }]);
  });

  it('refuses an empty or truncated prefix', () => {
    assert.throws(() => read(new Uint8Array(0)), errorLike(ProtocolError, /message truncated: 0 bytes, shorter than the 12-byte prefix/));
    assert.throws(() => read(raw().subarray(0, 7)), errorLike(ProtocolError, /message truncated: 7 bytes/));
  });

  it('refuses a message truncated in the header or the payload', () => {
    const bytes = raw();

    assert.throws(() => read(bytes.subarray(0, 20)), errorLike(ProtocolError, /header length \d+ exceeds the message: only 8 bytes follow/));
    assert.throws(() => read(bytes.subarray(0, bytes.length - 2)), errorLike(ProtocolError, /payload of 6 bytes is not a whole number of float32 values/));
    assert.throws(() => read(bytes.subarray(0, bytes.length - 4)), errorLike(ProtocolError, /spans words \[0, 2\) past the payload's 1 4-byte words/));
  });

  it('refuses a wrong magic', () => {
    const bytes = raw();
    bytes[0] = 0x47;

    assert.throws(() => read(bytes), errorLike(ProtocolError, /bad magic 0x47 0x4c 0x59: not a jointly message/));
    assert.throws(() => read(new TextEncoder().encode('GET / HTTP/1.1')), errorLike(ProtocolError, /bad magic/));
  });

  it('refuses version 99 and says which versions are supported', () => {
    assert.throws(() => read(raw({ version: 99 })), errorLike(ProtocolError, /unsupported format version 99; this build reads version 1/));
  });

  it('refuses unknown type code 200, listing the known codes', () => {
    assert.throws(() => read(raw({ typeCode: 200 })), errorLike(ProtocolError, /unknown message type code 200; known codes: 1 hello, 2 welcome/, /10 bye/));
  });

  it('refuses a 2 GB header length in a small message', () => {
    assert.throws(() => read(raw({ headerLength: 0x80000000 })), errorLike(ProtocolError, /header length 2147483648 exceeds the message: only \d+ bytes follow/));
  });

  it('refuses non-zero flags, reserved bytes and padding', () => {
    assert.throws(() => read(raw({ flags: 1 })), errorLike(ProtocolError, /flags byte is 1 but must be 0/));
    assert.throws(() => read(raw({ reserved: 7 })), errorLike(ProtocolError, /reserved bytes are 7 but must be 0/));
    let text = JSON.stringify({ round: 1, config: {}, tensors: table({}) });
    while ((12 + text.length) % 4 !== 1) text += ' '; // leave 3 bytes of padding
    const padded = raw({ headerText: text });
    const headerLength = new DataView(padded.buffer).getUint32(8, true);
    padded[12 + headerLength] = 9;
    assert.throws(() => read(padded), errorLike(ProtocolError, /padding byte at \d+ is 9 but must be 0/));
  });

  it('refuses a header that is not UTF-8, not JSON, not an object, or without tensors', () => {
    const notUtf8 = raw({ headerText: '{"round":1}' });
    notUtf8[13] = 0xff;

    assert.throws(() => read(notUtf8), errorLike(ProtocolError, /header is not valid UTF-8/));
    assert.throws(() => read(raw({ headerText: '{"round":1,' })), errorLike(ProtocolError, /header is not valid JSON/));
    assert.throws(() => read(raw({ headerText: '[1,2]' })), errorLike(ProtocolError, /header must be a JSON object, got an array/));
    assert.throws(() => read(raw({ header: { round: 1, config: {} } })), errorLike(ProtocolError, /header field 'tensors' is missing/));
    assert.throws(() => read(raw({ header: { round: 1, config: {}, tensors: [{ name: 'param/a', shape: [2], dtype: 'float32', offset: -1, length: 2 }] } })), errorLike(ProtocolError, /header field 'tensors\[0\]\.offset'/));
  });

  it('refuses a tensor whose length is not the product of its shape', () => {
    const header = { round: 1, config: {}, tensors: table({ shape: [3] }) };

    assert.throws(() => read(raw({ header })), errorLike(ProtocolError, /tensor 'param\/t0' \(tensors\[0\]\) has length 2 but shape \[3\] holds 3 values/));
  });

  it('refuses overlapping tensors, tensors past the payload, gaps and other dtypes', () => {
    const overlap = { round: 1, config: {}, tensors: table({}, { offset: 1 }) };
    const past = { round: 1, config: {}, tensors: table({ offset: 1 }) };
    const gap = { round: 1, config: {}, tensors: table({ shape: [1], length: 1 }) };
    const half = { round: 1, config: {}, tensors: table({ dtype: 'float16' }) };
    const duplicate = { round: 1, config: {}, tensors: table({}, { name: 'param/t0' }) };

    assert.throws(() => read(raw({ header: overlap, payload: [1, 2, 3, 4] })), errorLike(ProtocolError, /tensors 'param\/t0' \[0, 2\) and 'param\/t1' \[1, 3\) overlap/));
    assert.throws(() => read(raw({ header: past })), errorLike(ProtocolError, /spans words \[1, 3\) past the payload's 2 4-byte words/));
    assert.throws(() => read(raw({ header: gap })), errorLike(ProtocolError, /the payload has 2 4-byte words but the tensor table covers 1/));
    assert.throws(() => read(raw({ header: half })), errorLike(ProtocolError, /dtype 'float16'; format version 1 carries float32, uint32 and uint8 only/));
    assert.throws(() => read(raw({ header: duplicate, payload: [1, 2, 3, 4] })), errorLike(ProtocolError, /tensor 'param\/t0' \(tensors\[1\]\) has the same name as tensors\[0\]/));
  });

  it('accepts tensors listed out of payload order and zero-length tensors', () => {
    const header = { round: 1, config: {}, tensors: [...table({ offset: 2 }, { offset: 0 }), { name: 'param/empty', shape: [0, 3], dtype: 'float32', offset: 4, length: 0 }] };

    const frame = read(raw({ header, payload: [1, 2, 3, 4] }));

    assert.deepEqual(Array.from(frame.tensors[0].values), [3, 4]);
    assert.deepEqual(Array.from(frame.tensors[1].values), [1, 2]);
    assert.equal(frame.tensors[2].values.length, 0);
  });
});

describe('writeFrame', () => {
  it('refuses non-Float32Array values and duplicate names', () => {
    const numbers = [{ name: 'a', shape: [1], values: [1] as unknown as Float32Array }];
    const twice = [
      { name: 'a', shape: [1], values: new Float32Array(1) },
      { name: 'a', shape: [1], values: new Float32Array(1) },
    ];

    assert.throws(() => writeFrame('evaluate', 1, { round: 1, config: {} }, numbers, DEFAULT_LIMITS), errorLike(ProtocolError, /'a' values must be a Float32Array/));
    assert.throws(() => writeFrame('evaluate', 1, { round: 1, config: {} }, twice, DEFAULT_LIMITS), errorLike(ProtocolError, /'a' appears twice/));
  });
});
