import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { decodeMessage, encodeMessage } from './codec.js';
import type { Message, MessageType } from './messages.js';
import { MESSAGE_TYPE_CODES } from './messages.js';
import type { NamedTensor } from './tensors.js';
import { writeFrame } from './frame.js';
import { DEFAULT_LIMITS } from './limits.js';

const layout = [
  { name: 'dense_Dense1/kernel', shape: [3, 2] },
  { name: 'dense_Dense1/bias', shape: [2] },
  { name: 'scalar', shape: [] },
];

function params(seed: number): NamedTensor[] {
  return layout.map((e, i) => ({ name: e.name, shape: e.shape, values: randomValues(e.shape.reduce((a, b) => a * b, 1), seed + i) }));
}

/** One valid message of every type. */
function samples(): Record<MessageType, Message> {
  return {
    hello: {
      type: 'hello',
      protocolVersion: 1,
      clientId: 'hospital-a',
      token: 'tok_abc-123',
      capabilities: { backend: 'cpu', numExamples: 600, maxMessageBytes: 1 << 20, jointlyVersion: '0.1.0' },
    },
    welcome: { type: 'welcome', runId: 'run-1', task: { model: { layers: [{ dense: 10 }] }, optimizer: 'sgd', lr: 0.01, nested: [null, true] }, heartbeatSeconds: 5, maxMessageBytes: 1 << 24 },
    refuse: { type: 'refuse', code: 'auth', reason: 'wrong token for client hospital-a' },
    fit: { type: 'fit', round: 3, config: { localEpochs: 2, batchSize: 32, proximalMu: 0.01, scaffold: true, note: 'x' }, params: params(1), extras: { serverControl: randomValues(9, 7) } },
    fitReply: {
      type: 'fitReply',
      round: 3,
      numExamples: 600,
      metrics: { loss: 0.25, accuracy: 0.9 },
      delta: false,
      params: params(2),
      extras: { controlDelta: randomValues(9, 8) },
      durationSeconds: 1.5,
    },
    evaluate: { type: 'evaluate', round: 0, config: { batchSize: 128 }, params: params(3) },
    evaluateReply: { type: 'evaluateReply', round: 4, numExamples: 100, metrics: { loss: 0.3, accuracy: 0.88, f1: 0.5 } },
    heartbeat: { type: 'heartbeat', seq: 17, sentAt: 1732800000000 },
    error: { type: 'error', code: 'nonFinite', message: "parameters 'bias' has a non-finite value", round: 3 },
    bye: { type: 'bye', reason: 'run finished' },
    challenge: { type: 'challenge', nonce: 'A'.repeat(43), runId: 'run-1', server: 'wss://fl.example.org:8765', algorithm: 'Ed25519' },
    challengeAnswer: { type: 'challengeAnswer', nonce: 'A'.repeat(43), signature: 'b'.repeat(86) },
    secureReady: { type: 'secureReady', round: 2, numExamples: 40, metrics: { loss: 0.5 }, durationSeconds: 0.25 },
    secaggSetup: { type: 'secaggSetup', round: 2, you: 1, clientIds: [0, 1, 2], vectorLength: 7, neighbours: 2, threshold: 2, graphSeed: 99, clipRange: 8, fractionBits: 16 },
    secaggKeys: { type: 'secaggKeys', round: 2, from: 1, data: { encryptionKey: { shape: [32], values: bytes(32, 1) }, maskKey: { shape: [32], values: bytes(32, 2) } } },
    secaggKeyList: { type: 'secaggKeyList', round: 2, to: 1, ids: [0, 2], data: { encryptionKeys: { shape: [2, 32], values: bytes(64, 3) }, maskKeys: { shape: [2, 32], values: bytes(64, 4) } } },
    secaggShares: { type: 'secaggShares', round: 2, from: 1, peers: [0, 2], data: { commitment: { shape: [32], values: bytes(32, 5) }, sealed: { shape: [2, 101], values: bytes(202, 6) } } },
    secaggInbox: { type: 'secaggInbox', round: 2, to: 1, peers: [0], data: { sealed: { shape: [1, 101], values: bytes(101, 7) } } },
    secaggMaskedInput: { type: 'secaggMaskedInput', round: 2, from: 1, data: { masked: { shape: [7], values: Uint32Array.from([0, 1, 2 ** 32 - 1, 5, 6, 7, 2 ** 31]) } } },
    secaggUnmaskRequest: { type: 'secaggUnmaskRequest', round: 2, to: 1, dropped: [2], survivors: [0] },
    secaggUnmask: { type: 'secaggUnmask', round: 2, from: 1, shares: [{ owner: 0, secret: 'self-mask', x: 1 }, { owner: 2, secret: 'mask-key', x: 2 }], data: { shares: { shape: [2, 32], values: bytes(64, 8) } } },
  };
}

/** `n` pseudo-random bytes. */
function bytes(n: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

describe('encodeMessage / decodeMessage', () => {
  for (const [type, msg] of Object.entries(samples())) {
    it(`round-trips ${type}`, () => {
      const bytes = encodeMessage(msg);

      const decoded = decodeMessage(bytes);

      assert.deepEqual(decoded, msg);
      assert.equal(bytes[4], MESSAGE_TYPE_CODES[type as MessageType]);
    });
  }

  it('round-trips an error without a round, a hello without a token (key clients), and empty tensor groups', () => {
    const msgs: Message[] = [
      { type: 'hello', protocolVersion: 1, clientId: 'site-k', capabilities: { backend: 'cpu', numExamples: 6, maxMessageBytes: 1 << 20, jointlyVersion: '0.1.0' } },
      { type: 'error', code: 'protocol', message: 'bad frame' },
      { type: 'fit', round: 1, config: {}, params: [], extras: {} },
    ];

    for (const msg of msgs) assert.deepEqual(decodeMessage(encodeMessage(msg)), msg);
  });

  it('keeps float32 values bit-exact: -0, denormals, extremes, NaN payloads', () => {
    const values = new Float32Array([0, -0, 1.4e-45, -1.4e-45, 1.17549435e-38, 3.4028235e38, -3.4028235e38, Infinity, -Infinity, NaN, Math.PI, 1e-40]);
    const bits = new Uint32Array(values.buffer.slice(0));
    bits[9] = 0x7fc00123; // a NaN with a payload
    const exotic = new Float32Array(bits.buffer);
    const msg: Message = { type: 'evaluate', round: 1, config: {}, params: [{ name: 'w', shape: [12], values: exotic }] };

    const decoded = decodeMessage(encodeMessage(msg));

    assert.equal(decoded.type, 'evaluate');
    const got = new Uint32Array(decoded.type === 'evaluate' ? decoded.params[0].values.slice().buffer : new ArrayBuffer(0));
    assert.deepEqual(Array.from(got), Array.from(bits));
  });

  it('decodes without copying the payload when it is 4-byte aligned in its buffer', () => {
    const bytes = encodeMessage(samples().fit);

    const decoded = decodeMessage(bytes);

    assert.equal(decoded.type, 'fit');
    if (decoded.type === 'fit') assert.equal(decoded.params[0].values.buffer, bytes.buffer);
  });

  it('copies the payload once when it is misaligned, with the same values', () => {
    const bytes = encodeMessage(samples().fit);
    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    const misaligned = shifted.subarray(1);

    const decoded = decodeMessage(misaligned);

    assert.deepEqual(decoded, samples().fit);
    if (decoded.type === 'fit') assert.notEqual(decoded.params[0].values.buffer, shifted.buffer);
  });

  it('accepts a Node Buffer', () => {
    const bytes = encodeMessage(samples().fitReply);

    assert.deepEqual(decodeMessage(Buffer.from(bytes)), samples().fitReply);
  });

  it('decodes a Node Buffer view at a misaligned offset of a larger chunk, as ws hands over frames that arrived together', () => {
    // ws gives a message as a Buffer over the TCP chunk it arrived in. When two frames share a
    // chunk (a heartbeat, then a masked input: under load the server reads them in one go), the
    // second message starts at an offset that need not be 4-aligned, and Buffer#slice does not
    // copy: the payload must still be read from the message, not from the start of the chunk.
    const heartbeat = encodeMessage(samples().heartbeat);
    for (const type of ['secaggMaskedInput', 'secaggKeys', 'secaggUnmask', 'fitReply'] as const) {
      const bytes = encodeMessage(samples()[type]);
      for (const shift of [1, 2, 3]) {
        const chunk = Buffer.alloc(heartbeat.length + shift + bytes.length, 0xa5);
        chunk.set(heartbeat, 0);
        chunk.set(bytes, heartbeat.length + shift);
        const message = chunk.subarray(heartbeat.length + shift);
        assert.ok(Buffer.isBuffer(message) && message.byteOffset % 4 !== 0);

        assert.deepEqual(decodeMessage(message), samples()[type], `${type} at offset ${message.byteOffset}`);
      }
    }
  });

  it('lays out the frame as documented: magic, version, type, flags, reserved, header length, padding, payload', () => {
    const bytes = encodeMessage({ type: 'evaluate', round: 1, config: {}, params: [{ name: 'w', shape: [2], values: new Float32Array([1, -2]) }] });
    const view = new DataView(bytes.buffer);

    const headerLength = view.getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as unknown;
    const payloadStart = (12 + headerLength + 3) & ~3;

    assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x4a, 0x4c, 0x59, 1, 6, 0, 0, 0]);
    assert.deepEqual(header, { round: 1, config: {}, tensors: [{ name: 'param/w', shape: [2], dtype: 'float32', offset: 0, length: 2 }] });
    assert.ok(bytes.subarray(12 + headerLength, payloadStart).every((b) => b === 0));
    assert.equal(bytes.byteLength, payloadStart + 8);
    assert.equal(view.getFloat32(payloadStart, true), 1);
    assert.equal(view.getFloat32(payloadStart + 4, true), -2);
  });

  it('produces the example frame of format.md byte for byte', () => {
    const msg: Message = { type: 'evaluate', round: 1, config: {}, params: [{ name: 'w', shape: [2], values: new Float32Array([1, -2]) }] };
    const header = '{"round":1,"config":{},"tensors":[{"name":"param/w","shape":[2],"dtype":"float32","offset":0,"length":2}]}';

    const bytes = encodeMessage(msg);

    const hex = Buffer.from(bytes).toString('hex');
    assert.equal(hex, `4a4c5901060000006a000000${Buffer.from(header).toString('hex')}0000${'0000803f000000c0'}`);
    assert.equal(bytes.byteLength, 128);
  });

  it('refuses to encode an invalid message, naming the field', () => {
    const bad = { ...samples().fitReply, metrics: { loss: NaN } } as Message;
    const fractional = { ...samples().fit, round: 1.5 } as Message;
    const wrongSize = { ...samples().fit, params: [{ name: 'w', shape: [2, 2], values: new Float32Array(3) }] } as Message;

    assert.throws(() => encodeMessage(bad), errorLike(ProtocolError, /cannot encode fitReply/, /metrics\.loss/));
    assert.throws(() => encodeMessage(fractional), errorLike(ProtocolError, /field 'round'/));
    assert.throws(() => encodeMessage(wrongSize), errorLike(ProtocolError, /'param\/w' has 3 values but shape \[2, 2\] holds 4/));
    assert.throws(() => encodeMessage({ type: 'nope' } as unknown as Message), errorLike(ProtocolError, /unknown message type 'nope'/));
  });

  it('refuses messages above the size limit on both sides', () => {
    const msg: Message = { type: 'evaluate', round: 1, config: {}, params: [{ name: 'w', shape: [1000], values: new Float32Array(1000) }] };
    const bytes = encodeMessage(msg);

    assert.throws(() => encodeMessage(msg, { maxMessageBytes: 4000 }), errorLike(ProtocolError, /exceeds the limit of 4000 bytes \(maxMessageBytes\)/));
    assert.throws(() => decodeMessage(bytes, { maxMessageBytes: 4000 }), errorLike(ProtocolError, new RegExp(`message of ${bytes.byteLength} bytes exceeds the limit of 4000`)));
    assert.equal(decodeMessage(bytes, { maxMessageBytes: bytes.byteLength }).type, 'evaluate');
  });

  it('refuses a header above maxHeaderBytes', () => {
    const bytes = encodeMessage(samples().welcome);

    assert.throws(() => decodeMessage(bytes, { maxHeaderBytes: 16 }), errorLike(ProtocolError, /exceeds the limit of 16 bytes \(maxHeaderBytes\)/));
  });

  it('refuses a header failing its schema, naming the field', () => {
    const good = encodeMessage(samples().hello);
    const headerLength = new DataView(good.buffer).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(good.subarray(12, 12 + headerLength))) as { capabilities: { numExamples: unknown } };
    header.capabilities.numExamples = -1;
    const bytes = frameWithHeader(good, header);

    assert.throws(() => decodeMessage(bytes), errorLike(ProtocolError, /^hello: header field 'capabilities\.numExamples'/));
  });

  it('refuses unknown header fields and tensors a type does not carry', () => {
    const good = encodeMessage(samples().bye);
    const extraField = frameWithHeader(good, { reason: 'x', sneaky: 1, tensors: [] });
    const fit = encodeMessage(samples().fit);
    const fitHeader = headerOf(fit) as { tensors: { name: string }[] };
    fitHeader.tensors[0].name = 'weights/kernel';

    assert.throws(() => decodeMessage(extraField), errorLike(ProtocolError, /bye: header unknown field\(s\) 'sneaky'/));
    assert.throws(() => decodeMessage(frameWithHeader(fit, fitHeader)), errorLike(ProtocolError, /unexpected tensor 'weights\/kernel'; its tensors are named param\/<name> or extra\/<name>/));
  });

  it('survives random corruption: every decode succeeds or throws ProtocolError', () => {
    const rng = createRng(42);
    const valid = Object.values(samples()).map((m) => encodeMessage(m));
    let refused = 0;
    let accepted = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const base = valid[trial % valid.length];
      const bytes = base.slice();
      const mode = trial % 3;
      let input = bytes;
      if (mode === 0 || mode === 2) {
        const flips = 1 + Math.floor(rng.next() * 4);
        for (let k = 0; k < flips; k++) bytes[Math.floor(rng.next() * bytes.length)] ^= 1 << Math.floor(rng.next() * 8);
      }
      if (mode === 1 || mode === 2) input = bytes.subarray(0, Math.floor(rng.next() * bytes.length));
      try {
        decodeMessage(input);
        accepted++;
      } catch (err) {
        assert.ok(err instanceof ProtocolError, `trial ${trial}: expected ProtocolError, got ${String(err)}`);
        refused++;
      }
    }
    assert.ok(refused > 1000, `refused ${refused}`);
    assert.ok(accepted > 0, 'some flips land in float payloads and stay valid');
  });

  it('packs uint8 tensors into whole zero-padded words and refuses a non-zero padding byte', () => {
    const msg: Message = { type: 'secaggInbox', round: 1, to: 0, peers: [2], data: { sealed: { shape: [1, 101], values: Uint8Array.from({ length: 101 }, (_, i) => i + 1) } } };
    const bytes = encodeMessage(msg);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + new DataView(bytes.buffer).getUint32(8, true)))) as { tensors: unknown[] };
    assert.deepEqual(header.tensors, [{ name: 'data/sealed', shape: [1, 101], dtype: 'uint8', offset: 0, length: 101 }]);
    assert.deepEqual(decodeMessage(bytes), msg);

    const tampered = bytes.slice();
    tampered[tampered.length - 1] = 7;

    assert.throws(() => decodeMessage(tampered), errorLike(ProtocolError, /secaggInbox: tensor 'data\/sealed' \(uint8\) is followed by a non-zero padding byte/));
  });

  it('refuses a dtype its group does not take: float32 data, uint32 parameters', () => {
    const floatData = writeFrame('secaggMaskedInput', 1, { round: 1, from: 0 }, [{ name: 'data/masked', shape: [2], values: new Float32Array(2) }], DEFAULT_LIMITS);
    const intParams = writeFrame('evaluate', 1, { round: 1, config: {} }, [{ name: 'param/w', shape: [2], values: new Uint32Array(2) }], DEFAULT_LIMITS);

    assert.throws(() => decodeMessage(floatData), errorLike(ProtocolError, /secaggMaskedInput: tensor 'data\/masked' has dtype 'float32'; binary data \(secure aggregation, compressed updates\) is uint8 or uint32/));
    assert.throws(() => decodeMessage(intParams), errorLike(ProtocolError, /evaluate: tensor 'param\/w' has dtype 'uint32'; parameters and extras are float32/));
    assert.throws(() => encodeMessage({ type: 'secaggMaskedInput', round: 1, from: 0, data: { masked: { shape: [2], values: new Float32Array(2) as unknown as Uint32Array } } }), errorLike(ProtocolError, /data tensor 'masked' must be a Uint8Array or Uint32Array/));
  });

  it('turns a very deeply nested header into a ProtocolError', () => {
    const depth = 100_000;
    const task = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const text = `{"runId":"r","task":${task},"heartbeatSeconds":1,"maxMessageBytes":10,"tensors":[]}`;

    const bytes = frameWithHeaderText(encodeMessage(samples().welcome), text);

    try {
      decodeMessage(bytes);
    } catch (err) {
      assert.ok(err instanceof ProtocolError, String(err));
    }
  });
});

function headerOf(bytes: Uint8Array): unknown {
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
}

/** `good`'s prefix and payload with another JSON header. */
function frameWithHeader(good: Uint8Array, header: unknown): Uint8Array {
  return frameWithHeaderText(good, JSON.stringify(header));
}

function frameWithHeaderText(good: Uint8Array, text: string): Uint8Array {
  const view = new DataView(good.buffer, good.byteOffset);
  const oldLength = view.getUint32(8, true);
  const payload = good.subarray((12 + oldLength + 3) & ~3);
  const header = new TextEncoder().encode(text);
  const start = (12 + header.byteLength + 3) & ~3;
  const out = new Uint8Array(start + payload.byteLength);
  out.set(good.subarray(0, 8), 0);
  new DataView(out.buffer).setUint32(8, header.byteLength, true);
  out.set(header, 12);
  out.set(payload, start);
  return out;
}
