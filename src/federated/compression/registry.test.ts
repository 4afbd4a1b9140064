import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ProtocolError, UnknownNameError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { CODEC_IDS, CODEC_NAMES, readHeader } from './format.js';
import { createCodec, decodeUpdate, isCodecName } from './registry.js';

test('every codec round-trips through createCodec and decodeUpdate, which reads the codec from the header', () => {
  const x = randomValues(1000, 6);
  const tolerances = { float16: 2 ** -11, q8: 2 / 255, topk: 0 };
  for (const name of CODEC_NAMES) {
    const codec = createCodec(name, { random: createRng(1), fraction: 1 });

    const encoded = codec.encode(x);
    const decoded = decodeUpdate(encoded.bytes, x.length);

    assert.equal(codec.name, name);
    assert.equal(encoded.codec, name);
    assert.deepEqual(readHeader(encoded.bytes), { codec: name, length: 1000 });
    assert.equal(encoded.bytes[3], CODEC_IDS[name]);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(decoded[i] - x[i]) <= tolerances[name], `${name} value ${i}`);
  }
});

test('decodeUpdate refuses another codec than the expected one, and a bad expected length', () => {
  const bytes = createCodec('float16').encode(Float32Array.from([1])).bytes;
  assert.equal(decodeUpdate(bytes, 1, 'float16')[0], 1);
  assert.throws(() => decodeUpdate(bytes, 1, 'q8'), errorLike(ProtocolError, /codec is 'float16', expected 'q8'/));
  assert.throws(() => decodeUpdate(bytes, 2), errorLike(ProtocolError, /length 1, expected 2/));
  assert.throws(() => decodeUpdate(bytes, -1), errorLike(ConfigError, /expectedLength: must be an integer/));
  assert.throws(() => decodeUpdate(new Uint8Array(3), 1), errorLike(ProtocolError, /truncated header/));
});

test('createCodec refuses unknown names (with a suggestion) and missing or conflicting options', () => {
  assert.equal(isCodecName('q8'), true);
  assert.equal(isCodecName('zip'), false);
  assert.throws(() => createCodec('float61'), errorLike(UnknownNameError, /unknown update codec 'float61'; did you mean 'float16'/));
  assert.throws(() => createCodec('q8'), errorLike(ConfigError, /random: q8 needs a uniform source/));
  assert.throws(() => createCodec('topk'), errorLike(ConfigError, /topk: give exactly one of fraction and count/));
  assert.throws(() => createCodec('topk', { fraction: 0.1, count: 3 }), ConfigError);
  assert.throws(() => createCodec('q8', { random: createRng(0), blockSize: -4 }).encode(new Float32Array(1)), errorLike(ConfigError, /blockSize/));
  assert.equal(createCodec('topk', { count: 2 }).encode(Float32Array.from([1, 2, 3])).bytes.length, 8 + 4 + 8 + 2);
});
